//! Which URLs belong to the crawled site, and which of them may be pages.

use url::{Origin, Url};

/// Extensions of files that are never HTML pages: not requested at all.
const NOT_PAGES: &[&str] = &[
    "pdf", "jpg", "jpeg", "png", "gif", "webp", "avif", "svg", "ico", "bmp", "tif", "tiff", "zip",
    "gz", "tgz", "bz2", "xz", "rar", "7z", "tar", "css", "js", "mjs", "map", "json", "xml", "rss",
    "atom", "txt", "csv", "mp3", "mp4", "m4a", "avi", "mov", "mkv", "webm", "wav", "ogg", "woff",
    "woff2", "ttf", "otf", "eot", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "exe", "dmg",
    "msi", "apk", "iso", "bin",
];

/// The crawled site: one origin (scheme, host and port). `www.example.com`
/// and `example.com` are different sites here, as are `http` and `https`;
/// only `/robots.txt` may move the crawl to such an alias ([`is_alias`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Site {
    origin: Origin,
}

impl Site {
    /// The site `url` is on.
    pub(super) fn of(url: &Url) -> Self {
        Self {
            origin: url.origin(),
        }
    }

    /// True when `url` is on this site.
    pub(super) fn contains(&self, url: &Url) -> bool {
        url.origin() == self.origin
    }
}

/// `url` without its fragment (the same page); the query is kept.
pub(super) fn normalize(mut url: Url) -> Url {
    url.set_fragment(None);
    url
}

/// True for `http` and `https` URLs with a host.
pub(super) fn is_web(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https") && url.host().is_some()
}

/// True unless the path's extension names a file that is not a page.
pub(super) fn may_be_page(url: &Url) -> bool {
    let last = url.path().rsplit('/').next().unwrap_or_default();
    match last.rsplit_once('.') {
        Some((_, extension)) => !NOT_PAGES.contains(&extension.to_ascii_lowercase().as_str()),
        None => true,
    }
}

/// True when `to` is the same site as `from` under another name a server
/// commonly redirects to: `http` to `https`, `www.` added or removed, the
/// port the same (or both the scheme's default).
pub(super) fn is_alias(from: &Url, to: &Url) -> bool {
    let bare = |url: &Url| {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        host.strip_prefix("www.").map(str::to_owned).unwrap_or(host)
    };
    let scheme_ok = to.scheme() == from.scheme() || to.scheme() == "https";
    is_web(to) && scheme_ok && bare(from) == bare(to) && from.port() == to.port()
}

/// `url` moved onto the origin of `site_url` (after [`is_alias`]).
pub(super) fn rebase(url: &Url, site_url: &Url) -> Url {
    let mut moved = site_url.clone();
    moved.set_path(url.path());
    moved.set_query(url.query());
    moved.set_fragment(None);
    moved
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn crawl_site_is_one_origin() {
        let site = Site::of(&url("https://example.com/start"));
        assert!(site.contains(&url("https://example.com:443/other?q=1")));
        assert!(!site.contains(&url("http://example.com/other")), "scheme");
        assert!(!site.contains(&url("https://www.example.com/")), "host");
        assert!(!site.contains(&url("https://example.com:8443/")), "port");
    }

    #[test]
    fn crawl_skips_files_that_are_not_pages_by_extension() {
        assert!(may_be_page(&url("https://e.com/docs/")));
        assert!(may_be_page(&url("https://e.com/docs/page.html")));
        assert!(may_be_page(&url("https://e.com/v1.2/guide")));
        assert!(!may_be_page(&url("https://e.com/price.PDF")));
        assert!(!may_be_page(&url("https://e.com/img/logo.png?v=2")));
    }

    #[test]
    fn crawl_alias_is_https_or_www_of_the_same_host() {
        let from = url("http://example.com/robots.txt");
        assert!(is_alias(&from, &url("https://www.example.com/robots.txt")));
        assert!(is_alias(&from, &url("http://www.example.com/robots.txt")));
        assert!(!is_alias(&from, &url("https://evil.example/robots.txt")));
        assert!(!is_alias(
            &url("https://example.com/"),
            &url("http://example.com/")
        ));
        assert!(!is_alias(&from, &url("http://example.com:8080/robots.txt")));
        let moved = rebase(
            &url("http://example.com/docs?a=1#x"),
            &url("https://www.example.com/robots.txt"),
        );
        assert_eq!(moved.as_str(), "https://www.example.com/docs?a=1");
    }
}
