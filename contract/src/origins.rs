//! Allowed origins of a project: normalised as `docs/api.md` ("Projects") says, and matched
//! against a request's `Origin`.
//!
//! Normal form: `scheme://host[:port]`, lower case, the scheme's default port
//! dropped, no path, international names as punycode. `https://*.example.com`
//! matches subdomains of `example.com` only: never `example.com` itself, and
//! never `evilexample.com`.

use std::fmt;

/// Why an origin was refused; shown next to the field in the dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginError {
    /// Not a URL at all.
    NotAUrl,
    /// A scheme other than http or https.
    Scheme,
    /// A path, query or fragment: an origin is only scheme, host and port.
    HasPath,
    /// User name or password in the URL.
    HasCredentials,
    /// A `*` anywhere but as the whole first label (`https://*.example.com`).
    Wildcard,
}

impl fmt::Display for OriginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotAUrl => "not a URL: write it like https://example.com",
            Self::Scheme => "only http:// and https:// origins can embed the widget",
            Self::HasPath => {
                "an origin has no path, query or fragment: remove everything after the host"
            }
            Self::HasCredentials => "an origin has no user name or password",
            Self::Wildcard => {
                "a wildcard must be the whole first label, like https://*.example.com"
            }
        })
    }
}

/// Normalises one origin, e.g. `HTTPS://Пример.рф:443/` → `https://xn--e1afmkfd.xn--p1ai`.
///
/// # Errors
/// An [`OriginError`] saying what is wrong with it.
pub fn normalize(input: &str) -> Result<String, OriginError> {
    let input = input.trim();
    let (wildcard, parseable) = match input.split_once("://*.") {
        Some((scheme, rest)) => (true, format!("{scheme}://{rest}")),
        None => (false, input.to_owned()),
    };
    if parseable.contains('*') {
        return Err(OriginError::Wildcard);
    }
    let url = url::Url::parse(&parseable).map_err(|_| OriginError::NotAUrl)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(OriginError::Scheme);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(OriginError::HasCredentials);
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(OriginError::HasPath);
    }
    let host = url.host_str().ok_or(OriginError::NotAUrl)?;
    let port = url
        .port()
        .map(|port| format!(":{port}"))
        .unwrap_or_default();
    let star = if wildcard { "*." } else { "" };
    Ok(format!("{}://{star}{host}{port}", url.scheme()))
}

/// Normalises a request's `Origin` header; `None` for `null`, empty or malformed.
#[must_use]
pub fn normalize_request_origin(header: &str) -> Option<String> {
    let header = header.trim();
    if header.is_empty() || header == "null" || header.contains('*') {
        return None;
    }
    normalize(header).ok()
}

/// True when the normalised request origin `origin` is allowed by the
/// normalised entry `allowed` (exact, or a subdomain for a wildcard entry).
#[must_use]
pub fn matches(allowed: &str, origin: &str) -> bool {
    let Some((scheme, rest)) = allowed.split_once("://*.") else {
        return allowed == origin;
    };
    let Some(origin_rest) = origin
        .strip_prefix(scheme)
        .and_then(|rest| rest.strip_prefix("://"))
    else {
        return false;
    };
    // `rest` is `example.com[:port]`; the origin must be `<label(s)>.example.com[:port]`.
    origin_rest
        .strip_suffix(rest)
        .is_some_and(|labels| labels.len() > 1 && labels.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised() {
        let cases = [
            ("https://example.com", "https://example.com"),
            ("HTTPS://Example.COM/", "https://example.com"),
            ("https://example.com:443", "https://example.com"),
            ("http://example.com:80", "http://example.com"),
            ("https://example.com:8443", "https://example.com:8443"),
            ("http://localhost:3000", "http://localhost:3000"),
            ("  https://shop.example.com  ", "https://shop.example.com"),
            ("https://пример.рф", "https://xn--e1afmkfd.xn--p1ai"),
            ("https://*.example.com", "https://*.example.com"),
            (
                "https://*.Пример.РФ:8443",
                "https://*.xn--e1afmkfd.xn--p1ai:8443",
            ),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize(input).as_deref(), Ok(expected), "{input}");
        }
    }

    #[test]
    fn bad_origins_are_refused_with_a_reason() {
        let cases = [
            ("example.com", OriginError::NotAUrl, "no scheme"),
            ("", OriginError::NotAUrl, "empty"),
            ("ftp://example.com", OriginError::Scheme, "ftp"),
            ("javascript:alert(1)", OriginError::Scheme, "javascript"),
            ("https://example.com/shop", OriginError::HasPath, "path"),
            ("https://example.com/?a=1", OriginError::HasPath, "query"),
            ("https://example.com/#x", OriginError::HasPath, "fragment"),
            (
                "https://user:pw@example.com",
                OriginError::HasCredentials,
                "credentials",
            ),
            (
                "https://ex*ample.com",
                OriginError::Wildcard,
                "star inside a label",
            ),
            (
                "https://shop.*.example.com",
                OriginError::Wildcard,
                "star in the middle",
            ),
            ("https://*", OriginError::Wildcard, "star alone"),
        ];
        for (input, expected, why) in cases {
            assert_eq!(normalize(input), Err(expected), "{why}: {input}");
        }
    }

    #[test]
    fn wildcards_match_subdomains_only() {
        let allowed = "https://*.example.com";
        let cases = [
            ("https://shop.example.com", true),
            ("https://a.b.example.com", true),
            ("https://example.com", false),
            ("https://evilexample.com", false),
            ("https://shop.example.com.evil.com", false),
            ("http://shop.example.com", false),
            ("https://shop.example.com:8443", false),
        ];
        for (origin, expected) in cases {
            assert_eq!(matches(allowed, origin), expected, "{origin}");
        }
        assert!(matches(
            "https://*.example.com:8443",
            "https://a.example.com:8443"
        ));
    }

    #[test]
    fn exact_entries_match_only_themselves() {
        assert!(matches("https://example.com", "https://example.com"));
        assert!(!matches("https://example.com", "https://www.example.com"));
        assert!(!matches("https://example.com", "http://example.com"));
    }

    #[test]
    fn request_origins_are_normalised_and_null_is_refused() {
        assert_eq!(
            normalize_request_origin("https://Example.com:443").as_deref(),
            Some("https://example.com")
        );
        for header in ["null", "", "https://*.example.com", "not an origin"] {
            assert_eq!(normalize_request_origin(header), None, "{header}");
        }
    }
}
