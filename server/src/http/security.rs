//! Security headers. The dashboard (`/admin…`) may not be framed and runs only
//! its own scripts: `X-Frame-Options: DENY` and a Content-Security-Policy
//! whose script nonce is made here, per response, and handed to Leptos (see
//! [`super::dashboard`]) so that its inline scripts carry the same one. Every
//! answer gets `Referrer-Policy`, and HSTS when `PUBLIC_URL` is https. The
//! widget's files and API get no frame or script policy: they run inside
//! other people's pages, which may themselves be framed.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use leptos::nonce::Nonce;

/// How long browsers keep to https once they saw it (a year).
const HSTS: &str = "max-age=31536000";

/// What the headers depend on, fixed at start-up.
#[derive(Clone, Debug)]
pub struct SecurityHeaders {
    /// `PUBLIC_URL` is https: HSTS is sent.
    hsts: bool,
    /// Extra `connect-src` sources: the reload socket of `cargo leptos watch`
    /// in development, nothing otherwise.
    extra_connect: &'static str,
}

impl SecurityHeaders {
    /// The headers of a server reached at `public_url`; `watching` is true
    /// under `cargo leptos watch`, whose reload script opens a web socket.
    #[must_use]
    pub fn new(public_url: &str, watching: bool) -> Self {
        let hsts = url::Url::parse(public_url).is_ok_and(|url| url.scheme() == "https");
        Self {
            hsts,
            extra_connect: if watching { " ws: wss:" } else { "" },
        }
    }

    /// The dashboard's policy with `nonce` for its inline scripts.
    fn dashboard_policy(&self, nonce: &Nonce) -> String {
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self'; connect-src 'self'{}; img-src 'self' data:; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            self.extra_connect
        )
    }
}

/// Adds the headers: for a dashboard request, a fresh [`Nonce`] goes into the
/// request's extensions before the page renders, and into the policy after.
pub async fn add(
    State(config): State<SecurityHeaders>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = is_dashboard(request.uri().path()).then(Nonce::new);
    if let Some(nonce) = &nonce {
        request.extensions_mut().insert(nonce.clone());
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Some(nonce) = nonce {
        frame_and_script_policy(headers, &config.dashboard_policy(&nonce));
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if config.hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}

fn frame_and_script_policy(headers: &mut HeaderMap, policy: &str) {
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    match HeaderValue::from_str(policy) {
        Ok(value) => {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
        // The nonce is URL-safe base64: this cannot happen, and a page
        // without its policy must not go out.
        Err(_) => {
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
            );
        }
    }
}

/// `/admin` and everything under `/admin/` (pages and server functions).
fn is_dashboard(path: &str) -> bool {
    path == "/admin" || path.starts_with("/admin/")
}
