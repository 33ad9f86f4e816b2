//! The projects' OpenAI keys at rest (DESIGN.md "Key encryption").
//!
//! Stored form, in standard base64: `[version: 1 byte][nonce: 12 bytes][AES-256-GCM
//! ciphertext and tag]`, with the project id as associated data, so a
//! ciphertext copied onto another project does not decrypt. The version byte
//! names the `ENCRYPTION_KEY` generation, for `aiwidget rotate-key`. The hint
//! (`sk-…9fQa`) is stored apart so that lists never decrypt.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use uuid::Uuid;

/// The generation of the current `ENCRYPTION_KEY`.
pub const KEY_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

/// A stored key that cannot be read back: the dashboard says "re-enter the key".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnreadableKey {
    /// Not base64, too short, or of an unknown key generation.
    #[error("the stored key is malformed")]
    Malformed,
    /// Made with another `ENCRYPTION_KEY`, for another project, or tampered with.
    #[error("the stored key does not decrypt with this ENCRYPTION_KEY")]
    WrongKey,
}

/// Encrypts `api_key` for `project_id` with a fresh random nonce.
pub fn encrypt(encryption_key: &[u8; 32], project_id: Uuid, api_key: &str) -> String {
    let cipher = Aes256Gcm::new(encryption_key.into());
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let payload = Payload {
        msg: api_key.as_bytes(),
        aad: project_id.as_bytes(),
    };
    // Encryption fails only for inputs over 64 GiB; an API key is a few bytes.
    let ciphertext = cipher.encrypt(&nonce, payload).unwrap_or_default();
    let mut stored = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
    stored.push(KEY_VERSION);
    stored.extend_from_slice(&nonce);
    stored.extend_from_slice(&ciphertext);
    BASE64.encode(stored)
}

/// Decrypts what [`encrypt`] stored for `project_id`.
///
/// # Errors
/// [`UnreadableKey`] when it is malformed or does not decrypt with this key.
pub fn decrypt(
    encryption_key: &[u8; 32],
    project_id: Uuid,
    stored: &str,
) -> Result<String, UnreadableKey> {
    let bytes = BASE64
        .decode(stored)
        .map_err(|_| UnreadableKey::Malformed)?;
    let (version, rest) = bytes.split_first().ok_or(UnreadableKey::Malformed)?;
    if *version != KEY_VERSION || rest.len() <= NONCE_LEN {
        return Err(UnreadableKey::Malformed);
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let cipher = Aes256Gcm::new(encryption_key.into());
    let payload = Payload {
        msg: ciphertext,
        aad: project_id.as_bytes(),
    };
    let plaintext = cipher
        .decrypt(Nonce::from_slice(nonce), payload)
        .map_err(|_| UnreadableKey::WrongKey)?;
    String::from_utf8(plaintext).map_err(|_| UnreadableKey::Malformed)
}

/// The hint shown instead of the key: its first three and last four characters.
pub fn hint(api_key: &str) -> String {
    let chars: Vec<char> = api_key.trim().chars().collect();
    if chars.len() < 12 {
        return "…".to_owned();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn a_key_decrypts_for_its_project_only() {
        let project = Uuid::new_v4();
        let stored = encrypt(&KEY, project, "sk-proj-secret-9fQa");
        assert!(!stored.contains("secret"));
        assert_eq!(
            decrypt(&KEY, project, &stored).as_deref(),
            Ok("sk-proj-secret-9fQa")
        );
        assert_eq!(
            decrypt(&KEY, Uuid::new_v4(), &stored),
            Err(UnreadableKey::WrongKey)
        );
        assert_eq!(
            decrypt(&[8; 32], project, &stored),
            Err(UnreadableKey::WrongKey)
        );
    }

    #[test]
    fn every_encryption_uses_a_fresh_nonce() {
        let project = Uuid::new_v4();
        let first = encrypt(&KEY, project, "sk-same");
        let second = encrypt(&KEY, project, "sk-same");
        assert_ne!(first, second);
        let first = BASE64.decode(first).expect("base64");
        assert_eq!(first[0], KEY_VERSION);
    }

    #[test]
    fn malformed_or_tampered_values_are_unreadable_not_a_panic() {
        let project = Uuid::new_v4();
        let mut tampered = BASE64
            .decode(encrypt(&KEY, project, "sk-x"))
            .expect("base64");
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        let mut other_version = tampered.clone();
        other_version[0] = 9;
        let cases = [
            ("not base64!".to_owned(), UnreadableKey::Malformed),
            (String::new(), UnreadableKey::Malformed),
            (BASE64.encode([KEY_VERSION, 1, 2]), UnreadableKey::Malformed),
            (BASE64.encode(other_version), UnreadableKey::Malformed),
            (BASE64.encode(tampered), UnreadableKey::WrongKey),
        ];
        for (stored, expected) in cases {
            assert_eq!(decrypt(&KEY, project, &stored), Err(expected), "{stored}");
        }
    }

    #[test]
    fn hints_show_the_ends_only() {
        assert_eq!(hint("sk-proj-abcdefghijklmnop9fQa"), "sk-…9fQa");
        assert_eq!(hint("short"), "…");
    }
}
