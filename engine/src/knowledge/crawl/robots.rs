//! `robots.txt` (RFC 9309): the rules of the group for our product token
//! [`AGENT_TOKEN`], else of the `*` group; the longest matching pattern wins,
//! `Allow` on a tie; `*` matches any run of characters and a final `$` the
//! end of the path. Also the file's `Sitemap:` lines.

use url::Url;

/// The product token matched against `User-agent:` lines.
pub(super) const AGENT_TOKEN: &str = "aiwidget";

/// The rules for us of one site's `robots.txt`.
#[derive(Debug, Clone, Default)]
pub(super) struct Robots {
    rules: Vec<Rule>,
    /// The `Sitemap:` URLs as written.
    pub(super) sitemaps: Vec<String>,
}

#[derive(Debug, Clone)]
struct Rule {
    allow: bool,
    pattern: String,
}

#[derive(Debug, Default)]
struct Group {
    agents: Vec<String>,
    rules: Vec<Rule>,
}

impl Robots {
    /// Everything allowed (no `robots.txt`).
    pub(super) fn allow_all() -> Self {
        Self::default()
    }

    /// The rules of `text` for [`AGENT_TOKEN`].
    pub(super) fn parse(text: &str) -> Self {
        let mut groups: Vec<Group> = Vec::new();
        let mut sitemaps = Vec::new();
        let mut reading_agents = false;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or_default();
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key.trim().to_ascii_lowercase().as_str() {
                "user-agent" => {
                    if !reading_agents {
                        groups.push(Group::default());
                        reading_agents = true;
                    }
                    if let Some(group) = groups.last_mut() {
                        group.agents.push(agent_token(value));
                    }
                }
                key @ ("allow" | "disallow") => {
                    reading_agents = false;
                    if let (Some(group), false) = (groups.last_mut(), value.is_empty()) {
                        group.rules.push(Rule {
                            allow: key == "allow",
                            pattern: encode_pattern(value),
                        });
                    }
                }
                "sitemap" => sitemaps.push(value.to_owned()),
                _ => reading_agents = false,
            }
        }
        let ours = |token: &str| groups.iter().any(|g| g.agents.iter().any(|a| a == token));
        let token = if ours(AGENT_TOKEN) { AGENT_TOKEN } else { "*" };
        let rules = groups
            .into_iter()
            .filter(|group| group.agents.iter().any(|a| a == token))
            .flat_map(|group| group.rules)
            .collect();
        Self { rules, sitemaps }
    }

    /// True when we may fetch `url` (its path and query).
    pub(super) fn allows(&self, url: &Url) -> bool {
        if url.path() == "/robots.txt" {
            return true;
        }
        let target = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        self.rules
            .iter()
            .filter(|rule| matches(&rule.pattern, &target))
            .max_by_key(|rule| (rule.pattern.len(), rule.allow))
            .is_none_or(|rule| rule.allow)
    }
}

/// The product token of a `User-agent:` value, lowercase (`Foo/1.0` → `foo`).
fn agent_token(value: &str) -> String {
    value
        .split(|c: char| c == '/' || c.is_whitespace())
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// A pattern with its non-ASCII characters percent-encoded, as in a URL.
fn encode_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        if c.is_ascii() && !c.is_ascii_whitespace() {
            out.push(c);
        } else {
            let mut buffer = [0; 4];
            for byte in c.encode_utf8(&mut buffer).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

/// True when `pattern` (with `*` and a final `$`) matches the start of
/// `target` (or all of it with `$`).
fn matches(pattern: &str, target: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(rest) => (rest, true),
        None => (pattern, false),
    };
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, rest) = parts.split_first().unwrap_or((&"", &[]));
    let Some(mut remaining) = target.strip_prefix(first) else {
        return false;
    };
    if rest.is_empty() {
        return !anchored || remaining.is_empty();
    }
    let (last, middle) = rest.split_last().unwrap_or((&"", &[]));
    for part in middle {
        match remaining.find(part) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    if anchored {
        remaining.ends_with(last)
    } else {
        remaining.contains(last)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn allows(robots: &Robots, path: &str) -> bool {
        robots.allows(&Url::parse(&format!("https://e.com{path}")).unwrap())
    }

    #[test]
    fn robots_our_group_wins_over_the_star_group() {
        // Arrange
        let text = "User-agent: *\nDisallow: /\n\nUser-agent: AIWidget/2.0\nUser-agent: other\nDisallow: /admin # staff\nSitemap: https://e.com/s.xml\n";

        // Act
        let robots = Robots::parse(text);

        // Assert
        assert!(allows(&robots, "/docs"));
        assert!(!allows(&robots, "/admin/users"));
        assert_eq!(robots.sitemaps, ["https://e.com/s.xml"]);
    }

    #[test]
    fn robots_longest_match_wins_and_allow_breaks_ties() {
        let robots = Robots::parse(
            "User-agent: *\nDisallow: /shop\nAllow: /shop/catalog\nDisallow: /*.php$\nAllow: /page\nDisallow: /page\nDisallow:\n",
        );
        let cases = [
            ("/shop/cart", false, "prefix rule"),
            ("/shop/catalog/tea", true, "longer allow"),
            ("/index.php", false, "anchored wildcard"),
            ("/index.php?x=1", true, "anchor needs the end"),
            ("/page", true, "tie goes to allow"),
            ("/about", true, "no rule"),
            ("/robots.txt", true, "always readable"),
        ];
        for (path, expected, why) in cases {
            assert_eq!(allows(&robots, path), expected, "{path}: {why}");
        }
    }

    #[test]
    fn robots_wildcards_match_inside_the_path() {
        let robots =
            Robots::parse("User-agent: *\nDisallow: /*/private/*.html\nDisallow: /Каталог\n");
        assert!(!allows(&robots, "/a/b/private/x/y.html"));
        assert!(allows(&robots, "/a/private/y.htm"));
        assert!(!allows(&robots, "/Каталог/чай"), "non-ASCII pattern");
    }

    #[test]
    fn robots_without_a_group_for_us_allows_everything() {
        let robots = Robots::parse("User-agent: googlebot\nDisallow: /\n");
        assert!(allows(&robots, "/anything"));
    }
}
