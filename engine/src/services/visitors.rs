//! Visitors of a project: who a widget's token names, created on a first
//! session and kept up to date on later ones. IP addresses are stored only
//! as a keyed hash.

use crate::db::entities::{conversations, projects, visitors};
use crate::services::sessions;
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, Set,
};
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use uuid::Uuid;

/// The longest user agent kept.
const USER_AGENT_MAX: usize = 400;

/// What a request tells about its visitor.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// The browser's language (`Accept-Language` or the widget's).
    pub locale: Option<String>,
    /// `User-Agent`, cut to its first 400 characters.
    pub user_agent: Option<String>,
    /// The client's address; stored only hashed.
    pub ip: Option<IpAddr>,
}

/// The keyed hash stored instead of an IP address: the same address gives
/// the same hash (for the per-IP limits; an IPv6 address is hashed by its
/// /64, [`network_of`](crate::services::throttle::network_of)), and the
/// address cannot be read back without the server's secret.
#[must_use]
pub fn ip_hash(secret: &str, ip: IpAddr) -> String {
    let digest = Sha256::new()
        .chain_update(b"aiwidget:ip:")
        .chain_update(secret.as_bytes())
        .chain_update(
            crate::services::throttle::network_of(ip)
                .to_string()
                .as_bytes(),
        )
        .finalize();
    hex::encode(&digest[..16])
}

/// The visitor named by `token` when it is a valid token of `project_id` for
/// a visitor that still exists; `None` otherwise (the caller makes a new one).
///
/// # Errors
/// The [`DbErr`] of the lookup.
pub async fn from_token(
    db: &impl ConnectionTrait,
    jwt_secret: &str,
    project_id: Uuid,
    token: Option<&str>,
) -> Result<Option<visitors::Model>, DbErr> {
    let Some(claims) = token.and_then(|token| sessions::verify_visitor(jwt_secret, token).ok())
    else {
        return Ok(None);
    };
    if claims.pid != project_id {
        return Ok(None);
    }
    Ok(visitors::Entity::find_by_id(claims.sub)
        .one(db)
        .await?
        .filter(|visitor| visitor.project_id == project_id))
}

/// A new visitor of `project`; `consent` is the privacy notice version they
/// accepted with this request (recorded with the time), if any.
///
/// # Errors
/// The [`DbErr`] of the insert.
pub async fn create(
    db: &impl ConnectionTrait,
    project: &projects::Model,
    seen: &Seen,
    ip_hash: Option<String>,
    consent: Option<&str>,
) -> Result<visitors::Model, DbErr> {
    let now = chrono::Utc::now();
    visitors::ActiveModel {
        id: Set(Uuid::new_v4()),
        project_id: Set(project.id),
        first_seen_at: Set(now),
        last_seen_at: Set(now),
        locale: Set(clean_locale(seen.locale.as_deref())),
        user_agent: Set(clean_user_agent(seen.user_agent.as_deref())),
        ip_hash: Set(ip_hash),
        contact_name: Set(None),
        contact_email: Set(None),
        contact_phone: Set(None),
        search_text: Set(String::new()),
        consent_version: Set(consent.map(str::to_owned)),
        consent_at: Set(consent.map(|_| now)),
    }
    .insert(db)
    .await
}

/// Records a returning visit: last seen, and locale, browser and address when
/// sent; and `consent`, a privacy notice version they accepted with this
/// request, with the time (a consent given before keeps its time).
///
/// # Errors
/// The [`DbErr`] of the update.
pub async fn touch(
    db: &impl ConnectionTrait,
    visitor: visitors::Model,
    seen: &Seen,
    ip_hash: Option<String>,
    consent: Option<&str>,
) -> Result<visitors::Model, DbErr> {
    let now = chrono::Utc::now();
    let new_consent = consent
        .filter(|version| visitor.consent_version.as_deref() != Some(*version))
        .map(str::to_owned);
    let mut active = visitor.into_active_model();
    if new_consent.is_some() {
        active.consent_at = Set(Some(now));
        active.consent_version = Set(new_consent);
    }
    active.last_seen_at = Set(now);
    if let Some(locale) = clean_locale(seen.locale.as_deref()) {
        active.locale = Set(Some(locale));
    }
    if let Some(agent) = clean_user_agent(seen.user_agent.as_deref()) {
        active.user_agent = Set(Some(agent));
    }
    if ip_hash.is_some() {
        active.ip_hash = Set(ip_hash);
    }
    active.update(db).await
}

/// `ru-RU` → `ru-RU`; anything that is not a language tag is dropped.
fn clean_locale(locale: Option<&str>) -> Option<String> {
    let locale = locale?.trim();
    let valid = (2..=16).contains(&locale.len())
        && locale
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    valid.then(|| locale.to_owned())
}

fn clean_user_agent(agent: Option<&str>) -> Option<String> {
    let agent = agent?.trim();
    (!agent.is_empty()).then(|| agent.chars().take(USER_AGENT_MAX).collect())
}

/// `https://shop.example/path?utm=1#top` → `https://shop.example/path`: query
/// strings and fragments are never stored (they may carry personal data).
#[must_use]
pub fn strip_url(url: Option<&str>) -> Option<String> {
    let mut url = url::Url::parse(url?.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_query(None);
    url.set_fragment(None);
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Some(url.to_string().chars().take(2000).collect())
}

/// The ids of a visitor's conversations, as a subquery (their events, their messages).
#[must_use]
pub fn ids_of_visitor(visitor_id: Uuid) -> SelectStatement {
    Query::select()
        .column(conversations::Column::Id)
        .from(conversations::Entity)
        .and_where(conversations::Column::VisitorId.eq(visitor_id))
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_urls_lose_their_query_fragment_and_credentials() {
        let cases = [
            (
                "https://shop.example/cart?email=a@b.c#pay",
                Some("https://shop.example/cart"),
            ),
            (
                "https://user:pw@shop.example/",
                Some("https://shop.example/"),
            ),
            ("javascript:alert(1)", None),
            ("not a url", None),
        ];
        for (input, expected) in cases {
            assert_eq!(strip_url(Some(input)).as_deref(), expected, "{input}");
        }
    }

    #[test]
    fn ip_hashes_are_stable_keyed_and_not_the_address() {
        let ip: IpAddr = "203.0.113.7".parse().expect("ip");
        let hash = ip_hash("secret-a", ip);
        assert_eq!(hash, ip_hash("secret-a", ip));
        assert_ne!(hash, ip_hash("secret-b", ip));
        assert!(!hash.contains("203"));
        assert_eq!(hash.len(), 32);
    }

    /// An IPv6 subscriber picks addresses from their /64 at will: one key for all of them.
    #[test]
    fn ipv6_addresses_of_one_network_share_a_hash() {
        let one: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let other: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        let next: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(ip_hash("s", one), ip_hash("s", other));
        assert_ne!(ip_hash("s", one), ip_hash("s", next));
    }

    #[test]
    fn locales_are_language_tags_or_nothing() {
        assert_eq!(clean_locale(Some("ru-RU")).as_deref(), Some("ru-RU"));
        assert_eq!(clean_locale(Some("<script>")), None);
        assert_eq!(clean_locale(Some("")), None);
    }
}
