//! What the load generator reads and sets in the operating system: its file
//! limit, a process's resident memory, a free port, random secrets.

use anyhow::{Context, Result};
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use std::io::Read;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit; the servers started
/// afterwards inherit it. Returns the new limit.
///
/// # Errors
/// When the limit cannot be read or set.
pub(crate) fn raise_file_limit() -> Result<u64> {
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).context("reading RLIMIT_NOFILE")?;
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard).context("raising RLIMIT_NOFILE")?;
    Ok(hard)
}

/// `VmRSS` of a process, in KiB, from `/proc/<pid>/status`.
///
/// # Errors
/// When the process is gone or the line is missing.
pub(crate) fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    parse_rss_kib(&status).context("no VmRSS line in /proc/<pid>/status")
}

fn parse_rss_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A port that was free a moment ago on 127.0.0.1.
///
/// # Errors
/// When no port can be bound.
pub(crate) fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("binding a free port")?;
    Ok(listener
        .local_addr()
        .context("reading the bound port")?
        .port())
}

/// `n` random bytes from the kernel.
///
/// # Errors
/// When `/dev/urandom` cannot be read.
pub(crate) fn random_bytes(n: usize) -> Result<Vec<u8>> {
    let mut bytes = vec![0; n];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut file| file.read_exact(&mut bytes))
        .context("reading /dev/urandom")?;
    Ok(bytes)
}

/// `n` random bytes as lower-case hex.
///
/// # Errors
/// When `/dev/urandom` cannot be read.
pub(crate) fn random_hex(n: usize) -> Result<String> {
    Ok(random_bytes(n)?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::parse_rss_kib;

    /// The resident set comes from the `VmRSS` line, in KiB.
    #[test]
    fn rss_is_read_from_the_vmrss_line() {
        let status = "Name:\taiwidget\nVmPeak:\t  99 kB\nVmRSS:\t   23456 kB\nThreads:\t3\n";
        assert_eq!(parse_rss_kib(status), Some(23456));
        assert_eq!(parse_rss_kib("Name:\tzombie\n"), None);
    }
}
