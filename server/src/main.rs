//! The `aiwidget` binary; see `aiwidget --help`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    aiwidget::cli::run().await
}
