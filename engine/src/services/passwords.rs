//! Password hashing with argon2id (the crate's defaults: 19 MiB, 2 passes).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use contract::AppError;

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

/// [`verify`] on a blocking thread: argon2 takes tens of milliseconds of CPU,
/// which must not stall the async workers serving other requests.
pub async fn verify_blocking(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || verify(&password, &hash))
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hash_verifies_its_password_and_no_other() {
        let hash = super::hash("correct horse").expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(super::verify("correct horse", &hash));
        assert!(!super::verify("wrong horse", &hash));
        assert!(!super::verify("correct horse", "not a phc string"));
    }
}
