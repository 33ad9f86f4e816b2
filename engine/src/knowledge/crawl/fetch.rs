//! One GET with the crawler's rules: redirects followed by hand (at most
//! [`MAX_REDIRECTS`], each target checked by the caller), a body cap, one
//! time-out for the whole request ([`PAGE_TIMEOUT`]).

use super::{Failure, MAX_REDIRECTS, PAGE_TIMEOUT, USER_AGENT};
use encoding_rs::{Encoding, UTF_8, WINDOWS_1251};
use reqwest::header;
use url::Url;

/// A 2xx answer.
#[derive(Debug)]
pub(super) struct Fetched {
    /// The URL that answered, after redirects.
    pub(super) url: Url,
    /// The media type, lowercase, without parameters (`text/html`), empty
    /// when the server sent none.
    pub(super) media_type: String,
    /// The `charset` parameter of `Content-Type`.
    pub(super) charset: Option<String>,
    /// The body, at most the cap.
    pub(super) body: Vec<u8>,
}

impl Fetched {
    /// True for `text/html` and `application/xhtml+xml`.
    pub(super) fn is_html(&self) -> bool {
        matches!(
            self.media_type.as_str(),
            "text/html" | "application/xhtml+xml"
        )
    }

    /// True for `application/xml`, `text/xml` and `+xml` types other than
    /// XHTML.
    pub(super) fn is_xml(&self) -> bool {
        !self.is_html() && (self.media_type.ends_with("/xml") || self.media_type.ends_with("+xml"))
    }

    /// The body as text: by its byte-order mark, else the `Content-Type`
    /// charset, else a `<meta charset>` near the start, else UTF-8 when it
    /// is valid, else Windows-1251.
    pub(super) fn text(&self) -> String {
        let declared = self
            .charset
            .as_deref()
            .or_else(|| meta_charset(&self.body))
            .and_then(|label| Encoding::for_label(label.as_bytes()));
        let encoding = match declared {
            Some(encoding) => encoding,
            None if std::str::from_utf8(&self.body).is_ok() => UTF_8,
            None => WINDOWS_1251,
        };
        encoding.decode(&self.body).0.into_owned()
    }
}

/// What to do with a body over the cap.
#[derive(Debug, Clone, Copy)]
pub(super) enum Cap {
    /// Fail with [`Failure::TooLarge`].
    Refuse(usize),
    /// Keep the first bytes (`robots.txt`).
    Truncate(usize),
}

/// GETs `url`, following redirects whose target `follow` accepts (it
/// returns the failure for one it refuses).
pub(super) async fn get(
    client: &reqwest::Client,
    url: &Url,
    follow: &(dyn Fn(&Url) -> Result<(), Failure> + Sync),
    cap: Cap,
) -> Result<Fetched, Failure> {
    tokio::time::timeout(PAGE_TIMEOUT, get_in_time(client, url, follow, cap))
        .await
        .unwrap_or(Err(Failure::Timeout))
}

async fn get_in_time(
    client: &reqwest::Client,
    url: &Url,
    follow: &(dyn Fn(&Url) -> Result<(), Failure> + Sync),
    cap: Cap,
) -> Result<Fetched, Failure> {
    let mut current = url.clone();
    for _ in 0..=MAX_REDIRECTS {
        let response = client
            .get(current.clone())
            .header(header::USER_AGENT, USER_AGENT)
            .header(
                header::ACCEPT,
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.5",
            )
            .send()
            .await
            .map_err(|err| network_failure(&err))?;
        let status = response.status();
        if status.is_redirection()
            && let Some(target) = location(&response, &current)
        {
            follow(&target)?;
            current = target;
            continue;
        }
        if !status.is_success() {
            return Err(Failure::Status(status.as_u16()));
        }
        let (media_type, charset) = content_type(&response);
        let body = read_body(response, cap).await?;
        return Ok(Fetched {
            url: current,
            media_type,
            charset,
            body,
        });
    }
    Err(Failure::TooManyRedirects)
}

/// The redirect's target, resolved against the current URL, without its
/// fragment.
fn location(response: &reqwest::Response, current: &Url) -> Option<Url> {
    let value = response.headers().get(header::LOCATION)?.to_str().ok()?;
    let mut target = current.join(value.trim()).ok()?;
    target.set_fragment(None);
    Some(target)
}

fn content_type(response: &reqwest::Response) -> (String, Option<String>) {
    let value = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut parts = value.split(';');
    let media_type = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let charset = parts.find_map(|part| {
        let (key, value) = part.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_owned())
    });
    (media_type, charset)
}

async fn read_body(mut response: reqwest::Response, cap: Cap) -> Result<Vec<u8>, Failure> {
    let (limit, refuse) = match cap {
        Cap::Refuse(limit) => (limit, true),
        Cap::Truncate(limit) => (limit, false),
    };
    let declared = response.content_length().unwrap_or(0);
    if refuse && declared > limit as u64 {
        return Err(Failure::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|err| network_failure(&err))?
    {
        if body.len() + chunk.len() > limit {
            if refuse {
                return Err(Failure::TooLarge);
            }
            body.extend_from_slice(&chunk[..limit - body.len()]);
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn network_failure(err: &reqwest::Error) -> Failure {
    tracing::debug!(error = %err, "crawler request failed");
    if err.is_timeout() {
        Failure::Timeout
    } else if err.is_connect() {
        Failure::Unreachable
    } else {
        Failure::Network
    }
}

/// The `charset` of a `<meta>` in the first KiB of an HTML body.
fn meta_charset(body: &[u8]) -> Option<&str> {
    let head = &body[..body.len().min(1024)];
    let at = head
        .windows(8)
        .position(|w| w.eq_ignore_ascii_case(b"charset="))?;
    let rest = &head[at + 8..];
    let rest = rest.strip_prefix(b"\"").unwrap_or(rest);
    let rest = rest.strip_prefix(b"'").unwrap_or(rest);
    let end = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'))
        .unwrap_or(rest.len());
    std::str::from_utf8(&rest[..end])
        .ok()
        .filter(|s| !s.is_empty())
}
