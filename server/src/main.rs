//! The `aiwidget` binary; see `aiwidget --help`.

/// jemalloc rather than glibc's malloc: with its background threads on, the
/// memory a burst used (thousands of streams, say) goes back to the system
/// within seconds of being freed, where glibc keeps it (docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    if let Err(err) = tikv_jemalloc_ctl::background_thread::write(true) {
        eprintln!(
            "aiwidget: freed memory will be returned less promptly (jemalloc background threads: {err})"
        );
    }
    aiwidget::cli::run().await
}
