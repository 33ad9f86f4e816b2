//! The projects' OpenAI keys at rest (`docs/architecture.md`, "Key encryption").
//!
//! Stored form, in standard base64: `[version: 1 byte][nonce: 12 bytes][AES-256-GCM
//! ciphertext and tag]`, with the project id as associated data, so a
//! ciphertext copied onto another project does not decrypt. The version byte
//! names the `ENCRYPTION_KEY` generation (`ENCRYPTION_KEY_VERSION`), so that
//! after a rotation the server still reads what the previous key wrote
//! (`PREVIOUS_ENCRYPTION_KEY`) until `aiwidget rotate-key` has re-encrypted it.
//! The hint (`sk-…9fQa`) is stored apart so that lists never decrypt.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use uuid::Uuid;

const NONCE_LEN: usize = 12;

/// The keys that encrypt (current) and still decrypt (current and previous).
#[derive(Clone, Copy)]
pub struct Keyring<'a> {
    /// The generation of `current`, written as the first byte of each value.
    pub version: u8,
    /// `ENCRYPTION_KEY`.
    pub current: &'a [u8; 32],
    /// `PREVIOUS_ENCRYPTION_KEY`: generation `version - 1`, during a rotation.
    pub previous: Option<&'a [u8; 32]>,
}

impl<'a> Keyring<'a> {
    /// The keyring of the configured secrets (`ENCRYPTION_KEY`, its
    /// generation and `PREVIOUS_ENCRYPTION_KEY`).
    #[must_use]
    pub fn of(
        version: u8,
        current: &'a secrecy::SecretBox<[u8; 32]>,
        previous: Option<&'a secrecy::SecretBox<[u8; 32]>>,
    ) -> Self {
        use secrecy::ExposeSecret as _;
        Self {
            version,
            current: current.expose_secret(),
            previous: previous.map(|key| key.expose_secret()),
        }
    }
}

impl std::fmt::Debug for Keyring<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("version", &self.version)
            .field("previous", &self.previous.is_some())
            .finish_non_exhaustive()
    }
}

impl Keyring<'_> {
    fn key_for(&self, version: u8) -> Option<&[u8; 32]> {
        if version == self.version {
            Some(self.current)
        } else if version.checked_add(1) == Some(self.version) {
            self.previous
        } else {
            None
        }
    }
}

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

/// Encrypts `api_key` for `project_id` with the current key and a fresh random nonce.
pub fn encrypt(keyring: Keyring<'_>, project_id: Uuid, api_key: &str) -> String {
    let cipher = Aes256Gcm::new(keyring.current.into());
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let payload = Payload {
        msg: api_key.as_bytes(),
        aad: project_id.as_bytes(),
    };
    // Encryption fails only for inputs over 64 GiB; an API key is a few bytes.
    let ciphertext = cipher.encrypt(&nonce, payload).unwrap_or_default();
    let mut stored = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
    stored.push(keyring.version);
    stored.extend_from_slice(&nonce);
    stored.extend_from_slice(&ciphertext);
    BASE64.encode(stored)
}

/// Decrypts what [`encrypt`] stored for `project_id`, with the key of its generation.
///
/// # Errors
/// [`UnreadableKey`] when it is malformed, of a generation this keyring does
/// not hold, or does not decrypt.
pub fn decrypt(
    keyring: Keyring<'_>,
    project_id: Uuid,
    stored: &str,
) -> Result<String, UnreadableKey> {
    let bytes = BASE64
        .decode(stored)
        .map_err(|_| UnreadableKey::Malformed)?;
    let (version, rest) = bytes.split_first().ok_or(UnreadableKey::Malformed)?;
    if rest.len() <= NONCE_LEN {
        return Err(UnreadableKey::Malformed);
    }
    let key = keyring.key_for(*version).ok_or(UnreadableKey::WrongKey)?;
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let cipher = Aes256Gcm::new(key.into());
    let payload = Payload {
        msg: ciphertext,
        aad: project_id.as_bytes(),
    };
    let plaintext = cipher
        .decrypt(Nonce::from_slice(nonce), payload)
        .map_err(|_| UnreadableKey::WrongKey)?;
    String::from_utf8(plaintext).map_err(|_| UnreadableKey::Malformed)
}

/// The generation byte of a stored value (`None` when malformed).
#[must_use]
pub fn version_of(stored: &str) -> Option<u8> {
    BASE64.decode(stored).ok()?.first().copied()
}

/// What [`rotate`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rotation {
    /// Re-encrypted with the current key.
    pub rotated: u64,
    /// Already of the current generation.
    pub current: u64,
    /// Unreadable with this keyring: left as they are ("re-enter the key").
    pub unreadable: u64,
}

/// Re-encrypts every stored key that is not of the current generation.
///
/// # Errors
/// The [`sea_orm::DbErr`] of a read or write.
#[tracing::instrument(name = "api_keys::rotate", skip_all)]
pub async fn rotate(
    db: &sea_orm::DatabaseConnection,
    keyring: Keyring<'_>,
) -> Result<Rotation, sea_orm::DbErr> {
    use crate::db::entities::projects;
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
    let mut report = Rotation::default();
    let rows = projects::Entity::find()
        .filter(projects::Column::OpenaiApiKeyCiphertext.is_not_null())
        .all(db)
        .await?;
    for row in rows {
        let Some(stored) = row.openai_api_key_ciphertext.clone() else {
            continue;
        };
        if version_of(&stored) == Some(keyring.version) {
            report.current += 1;
            continue;
        }
        let Ok(plain) = decrypt(keyring, row.id, &stored) else {
            report.unreadable += 1;
            continue;
        };
        let id = row.id;
        let mut active = row.into_active_model();
        active.openai_api_key_ciphertext = Set(Some(encrypt(keyring, id, &plain)));
        active.update(db).await?;
        report.rotated += 1;
    }
    Ok(report)
}

/// The hint shown instead of the key: its first three and last four characters.
#[must_use]
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
    const V1: Keyring<'static> = Keyring {
        version: 1,
        current: &KEY,
        previous: None,
    };

    #[test]
    fn a_key_decrypts_for_its_project_only() {
        let project = Uuid::new_v4();
        let stored = encrypt(V1, project, "sk-proj-secret-9fQa");
        assert!(!stored.contains("secret"));
        assert_eq!(
            decrypt(V1, project, &stored).as_deref(),
            Ok("sk-proj-secret-9fQa")
        );
        assert_eq!(
            decrypt(V1, Uuid::new_v4(), &stored),
            Err(UnreadableKey::WrongKey)
        );
        let other = Keyring {
            current: &[8; 32],
            ..V1
        };
        assert_eq!(
            decrypt(other, project, &stored),
            Err(UnreadableKey::WrongKey)
        );
    }

    #[test]
    fn every_encryption_uses_a_fresh_nonce() {
        let project = Uuid::new_v4();
        let first = encrypt(V1, project, "sk-same");
        let second = encrypt(V1, project, "sk-same");
        assert_ne!(first, second);
        assert_eq!(version_of(&first), Some(1));
    }

    #[test]
    fn malformed_or_tampered_values_are_unreadable_not_a_panic() {
        let project = Uuid::new_v4();
        let mut tampered = BASE64.decode(encrypt(V1, project, "sk-x")).expect("base64");
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        let mut other_version = tampered.clone();
        other_version[0] = 9;
        let cases = [
            ("not base64!".to_owned(), UnreadableKey::Malformed),
            (String::new(), UnreadableKey::Malformed),
            (BASE64.encode([1, 1, 2]), UnreadableKey::Malformed),
            (BASE64.encode(other_version), UnreadableKey::WrongKey),
            (BASE64.encode(tampered), UnreadableKey::WrongKey),
        ];
        for (stored, expected) in cases {
            assert_eq!(decrypt(V1, project, &stored), Err(expected), "{stored}");
        }
    }

    #[test]
    fn after_a_rotation_both_generations_decrypt_until_re_encrypted() {
        let project = Uuid::new_v4();
        let old = encrypt(V1, project, "sk-old-generation");
        let new_key = [9; 32];
        let v2 = Keyring {
            version: 2,
            current: &new_key,
            previous: Some(&KEY),
        };
        assert_eq!(
            decrypt(v2, project, &old).as_deref(),
            Ok("sk-old-generation")
        );
        let again = encrypt(v2, project, "sk-old-generation");
        assert_eq!(version_of(&again), Some(2));
        let v2_only = Keyring {
            previous: None,
            ..v2
        };
        assert_eq!(
            decrypt(v2_only, project, &again).as_deref(),
            Ok("sk-old-generation")
        );
        assert_eq!(
            decrypt(v2_only, project, &old),
            Err(UnreadableKey::WrongKey)
        );
    }

    #[test]
    fn hints_show_the_ends_only() {
        assert_eq!(hint("sk-proj-abcdefghijklmnop9fQa"), "sk-…9fQa");
        assert_eq!(hint("short"), "…");
    }
}
