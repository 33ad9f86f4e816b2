//! Password hashing with argon2id (the crate's defaults: 19 MiB, 2 passes),
//! and [`HashGate`], which bounds how many run at once.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use contract::AppError;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Argon2 runs allowed at once per CPU. Each holds 19 MiB and a core for tens
/// of milliseconds: two per CPU keep the cores busy while a burst of failed
/// logins from a few addresses cannot hold more than `CPUs × 2 × 19 MiB`.
pub const HASHES_PER_CPU: usize = 2;

/// How long a login waits for a free argon2 slot before it is answered
/// `503 busy`: the queue drains in this time unless the server is flooded.
pub const SLOT_WAIT: Duration = Duration::from_secs(1);

/// The `Retry-After` of a `503 busy` answer.
const BUSY_RETRY_AFTER_SECS: u64 = 1;

/// Hashes a password into a PHC string with a fresh random salt.
///
/// # Errors
/// [`AppError::Internal`] if argon2 refuses its input (logged).
pub fn hash(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| {
            tracing::error!(error = %err, "argon2 hashing failed");
            AppError::Internal
        })
}

/// True when `password` matches the PHC string `hash`; false for a malformed hash.
#[must_use]
pub fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Runs argon2 on the blocking pool, at most a fixed number at once.
///
/// A run waits up to a bounded time for a slot, then is refused with
/// `503 busy`. The slot is held by the blocking task itself, so a client that
/// hangs up mid-login does not free it while argon2 still runs.
#[derive(Debug)]
pub struct HashGate {
    slots: Arc<Semaphore>,
    wait: Duration,
    verifications: AtomicU64,
}

impl Default for HashGate {
    /// [`HASHES_PER_CPU`] slots per CPU of this machine, waiting [`SLOT_WAIT`].
    fn default() -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Self::new(cpus.saturating_mul(HASHES_PER_CPU), SLOT_WAIT)
    }
}

impl HashGate {
    /// A gate of `slots` concurrent runs (at least one), each waiting up to
    /// `wait` for a slot.
    #[must_use]
    pub fn new(slots: usize, wait: Duration) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            wait,
            verifications: AtomicU64::new(0),
        }
    }

    /// [`verify`] through the gate.
    ///
    /// # Errors
    /// `503 busy` when no slot freed up in time; [`AppError::Internal`] if the
    /// blocking task failed.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, AppError> {
        let verified = self.run(move || verify(&password, &hash)).await?;
        self.verifications.fetch_add(1, Ordering::Relaxed);
        Ok(verified)
    }

    /// [`hash`] through the gate.
    ///
    /// # Errors
    /// As [`HashGate::verify`], and as [`hash`].
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || hash(&password)).await?
    }

    /// How many verifications this gate has run (for tests and operators:
    /// every login attempt that got past the throttle runs exactly one).
    #[must_use]
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Runs `work` on the blocking pool once a slot is free.
    ///
    /// # Errors
    /// `503 busy` when no slot freed up within the gate's wait;
    /// [`AppError::Internal`] if `work` panicked.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        // `timeout` polls the acquisition first: a free slot is taken even with a zero wait.
        let slot = tokio::time::timeout(self.wait, Arc::clone(&self.slots).acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            work()
        })
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "an argon2 task failed");
            AppError::Internal
        })
    }
}

/// `503 busy`: every argon2 slot stayed taken for the whole wait.
fn busy() -> AppError {
    AppError::Busy {
        retry_after_secs: BUSY_RETRY_AFTER_SECS,
    }
}

#[cfg(test)]
mod tests {
    use super::HashGate;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn a_hash_verifies_its_password_and_no_other() {
        let hash = super::hash("correct horse").expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(super::verify("correct horse", &hash));
        assert!(!super::verify("wrong horse", &hash));
        assert!(!super::verify("correct horse", "not a phc string"));
    }

    /// With every slot taken, a run is refused `503 busy`; once the slot is
    /// free again, runs go through.
    #[tokio::test]
    async fn a_run_beyond_the_slots_is_refused_busy() {
        // Arrange: one slot, held by a run that waits for the test.
        let gate = Arc::new(HashGate::new(1, Duration::from_millis(20)));
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let holder = tokio::spawn({
            let gate = Arc::clone(&gate);
            async move {
                gate.run(move || {
                    let _ = started_tx.send(());
                    release_rx.recv().is_ok()
                })
                .await
            }
        });
        started_rx.await.expect("the holder started");
        // Act
        let refused = gate.verify("guess".into(), "not a phc string".into()).await;
        release_tx.send(()).expect("the holder waits");
        let held = holder.await.expect("joined");
        let after = gate.verify("guess".into(), "not a phc string".into()).await;
        // Assert
        let refused = refused.expect_err("no slot was free");
        assert_eq!((refused.status(), refused.code()), (503, "busy"));
        assert_eq!(held, Ok(true));
        assert_eq!(after, Ok(false));
        assert_eq!(gate.verifications(), 1, "only the run that got a slot");
    }

    /// Many runs at once never hold more slots than the gate has.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_runs_never_exceed_the_slots() {
        // Arrange
        let gate = Arc::new(HashGate::new(2, Duration::from_secs(30)));
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        // Act
        let runs = (0..8).map(|_| {
            let (gate, running, peak) =
                (Arc::clone(&gate), Arc::clone(&running), Arc::clone(&peak));
            tokio::spawn(async move {
                gate.run(move || {
                    use std::sync::atomic::Ordering::SeqCst;
                    let now = running.fetch_add(1, SeqCst) + 1;
                    peak.fetch_max(now, SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, SeqCst);
                })
                .await
            })
        });
        let results = futures_util::future::join_all(runs).await;
        // Assert
        assert!(
            results
                .into_iter()
                .all(|joined| joined.expect("joined").is_ok())
        );
        let peak = peak.load(std::sync::atomic::Ordering::SeqCst);
        assert!((1..=2).contains(&peak), "{peak} runs at once");
    }
}
