//! Generated-object names and URL normalisation (MAPPING.md §1, §2.4).

use sha2::{Digest, Sha256};

/// Hex sha256 of a string.
pub fn sha256_hex(s: &[u8]) -> String {
    let d = Sha256::digest(s);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// MAPPING.md §1 `dns1123`: lowercase; runs outside `[a-z0-9-]` become `-`; collapse
/// `-`; trim; empty → `x`; longer than 63 → first 52 chars + `-` + 10 hex of sha256.
pub fn dns1123(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_dash = false;
    for c in s.chars() {
        // Unicode lowercasing, without its tables in the wasm: the only non-ASCII chars
        // whose lowercase holds `[a-z0-9]` are KELVIN SIGN (`k`) and U+0130 (`i` +
        // U+0307, which becomes a `-`); every other non-ASCII char lowercases to
        // non-ASCII chars only, which become one `-` either way.
        let c = match c {
            '\u{212A}' => 'k',
            '\u{130}' => {
                out.push('i');
                last_dash = false;
                '\u{307}'
            }
            _ => c.to_ascii_lowercase(),
        };
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
            last_dash = false;
        } else if !last_dash {
            out.push('-');
            last_dash = true;
        }
    }
    let trimmed = out.trim_matches('-');
    let mut name = if trimmed.is_empty() {
        "x".to_string()
    } else {
        trimmed.to_string()
    };
    if name.len() > 63 {
        let mut head: String = name.chars().take(52).collect();
        while head.ends_with('-') {
            head.pop();
        }
        name = format!("{head}-{}", &sha256_hex(s.as_bytes())[..10]);
    }
    name
}

/// Parts of a URL the naming rules need. Not a general URL parser: it handles what
/// appears in chart sources (`scheme://[user[:pass]@]host[:port]/path[?q][#f]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts {
    pub scheme: String,
    pub userinfo: Option<String>,
    pub host: String,
    pub path: String,
}

pub fn split_url(url: &str) -> Option<UrlParts> {
    let (scheme, rest) = url.split_once("://")?;
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (userinfo, host) = match authority.rfind('@') {
        Some(i) => (Some(authority[..i].to_string()), &authority[i + 1..]),
        None => (None, authority),
    };
    Some(UrlParts {
        scheme: scheme.to_ascii_lowercase(),
        userinfo,
        host: host.to_string(),
        path: path.to_string(),
    })
}

/// HelmRepository name: `dns1123(host + path)` with scheme, userinfo, query, fragment,
/// trailing `/` and trailing `/index.yaml` removed.
pub fn helm_repository_name(url: &str) -> String {
    match split_url(url) {
        Some(p) => {
            let mut path = p.path.trim_end_matches('/').to_string();
            if let Some(s) = path.strip_suffix("/index.yaml") {
                path = s.trim_end_matches('/').to_string();
            }
            let host = p.host.split(':').next().unwrap_or("");
            dns1123(&format!("{host}{path}"))
        }
        None => dns1123(url),
    }
}

/// helm-operator's `CleanRepoURL`: query dropped, trailing `/` added. The dedupe key.
pub fn clean_repo_url(url: &str) -> String {
    let base = url.split('?').next().unwrap_or(url);
    if base.ends_with('/') {
        base.to_string()
    } else {
        format!("{base}/")
    }
}

/// The dead Helm stable/incubator URLs and their replacements (helm `repo_add.go`).
pub fn rewrite_stable_repo(url: &str) -> Option<&'static str> {
    let u = url.trim_end_matches('/');
    match u {
        "https://kubernetes-charts.storage.googleapis.com"
        | "http://kubernetes-charts.storage.googleapis.com" => {
            Some("https://charts.helm.sh/stable")
        }
        "https://kubernetes-charts-incubator.storage.googleapis.com"
        | "http://kubernetes-charts-incubator.storage.googleapis.com" => {
            Some("https://charts.helm.sh/incubator")
        }
        _ => None,
    }
}

/// A git URL converted to what the v2 CRD accepts (`http(s)://` or `ssh://`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitUrl {
    /// URL to write in `GitRepository.spec.url` (credentials removed).
    pub url: String,
    pub ssh: bool,
    /// `user:pass` removed from an http(s) URL.
    pub had_credentials: bool,
}

/// scp-style `[user@]host:path` → `ssh://user@host/path` (no user → `git`; a number
/// after the colon is a path segment, not a port). `http(s)://user:pass@` → stripped.
pub fn normalize_git_url(raw: &str) -> Option<GitUrl> {
    let raw = raw.trim();
    if let Some(p) = split_url(raw) {
        return match p.scheme.as_str() {
            "ssh" => Some(GitUrl {
                url: raw.to_string(),
                ssh: true,
                had_credentials: false,
            }),
            "http" | "https" => {
                let had = p.userinfo.is_some();
                let url = if had {
                    let at = raw.find("://").map(|i| i + 3).unwrap_or(0);
                    let auth_end = raw[at..].find('/').map(|i| at + i).unwrap_or(raw.len());
                    let authority = &raw[at..auth_end];
                    let host = authority
                        .rsplit_once('@')
                        .map(|(_, h)| h)
                        .unwrap_or(authority);
                    format!("{}{}{}", &raw[..at], host, &raw[auth_end..])
                } else {
                    raw.to_string()
                };
                Some(GitUrl {
                    url,
                    ssh: false,
                    had_credentials: had,
                })
            }
            "git" | "git+ssh" | "ssh+git" => {
                let rest = &raw[raw.find("://")? + 3..];
                Some(GitUrl {
                    url: format!("ssh://{rest}"),
                    ssh: true,
                    had_credentials: false,
                })
            }
            _ => None,
        };
    }
    // scp-like syntax: [user@]host:path, host without '/'.
    let (head, path) = raw.split_once(':')?;
    if head.is_empty() || head.contains('/') || path.is_empty() {
        return None;
    }
    let (user, host) = match head.rsplit_once('@') {
        Some((u, h)) => (u.to_string(), h.to_string()),
        None => ("git".to_string(), head.to_string()),
    };
    let path = path.trim_start_matches('/');
    Some(GitUrl {
        url: format!("ssh://{user}@{host}/{path}"),
        ssh: true,
        had_credentials: false,
    })
}

/// GitRepository base name: `dns1123(host + path minus .git)`.
pub fn git_repository_name(url: &str) -> String {
    match split_url(url) {
        Some(p) => {
            let host = p.host.split(':').next().unwrap_or("");
            let path = p.path.trim_end_matches('/');
            let path = path.strip_suffix(".git").unwrap_or(path);
            dns1123(&format!("{host}{path}"))
        }
        None => dns1123(url),
    }
}

/// The GitRepository name for a daemon URL: `dns1123(last path segment minus .git)`.
pub fn repo_name(url: &str) -> String {
    let u = url.trim_end_matches('/');
    let last = u.rsplit(['/', ':']).next().unwrap_or(u);
    dns1123(last.strip_suffix(".git").unwrap_or(last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns1123_rules() {
        assert_eq!(
            dns1123("charts.bitnami.com/bitnami"),
            "charts-bitnami-com-bitnami"
        );
        assert_eq!(dns1123("--A__b--"), "a-b");
        assert_eq!(dns1123("!!!"), "x");
        let long = "a".repeat(70);
        let n = dns1123(&long);
        assert_eq!(n.len(), 63);
        assert!(n.starts_with(&"a".repeat(52)));
    }

    /// `dns1123` as MAPPING.md states it, with full Unicode lowercasing.
    fn dns1123_unicode(s: &str) -> String {
        let mut out = String::new();
        let mut last_dash = false;
        for c in s.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                out.push(c);
                last_dash = false;
            } else if !last_dash {
                out.push('-');
                last_dash = true;
            }
        }
        let t = out.trim_matches('-');
        if t.is_empty() {
            "x".to_string()
        } else {
            t.to_string()
        }
    }

    #[test]
    fn dns1123_lowercases_like_unicode() {
        // Every char, alone and between letters, and a few mixed strings (short enough
        // that no hash suffix is involved).
        let mut inputs: Vec<String> = [
            "\u{212A}ube",
            "\u{130}stanbul",
            "A\u{130}\u{307}B",
            "Ä-ö_ß",
            "ǅemal",
            "ΣΑΣ",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for u in (0..0x3000u32)
            .chain(0x1E00..0x2200)
            .chain([0x212A, 0xFF21, 0x10400])
        {
            if let Some(c) = char::from_u32(u) {
                inputs.push(c.to_string());
                inputs.push(format!("a{c}b"));
                inputs.push(format!("-{c}{c}-"));
            }
        }
        for s in &inputs {
            assert_eq!(dns1123(s), dns1123_unicode(s), "{s:?}");
        }
    }

    #[test]
    fn helm_repo_names() {
        assert_eq!(
            helm_repository_name("https://charts.bitnami.com/bitnami"),
            "charts-bitnami-com-bitnami"
        );
        assert_eq!(
            helm_repository_name("https://stefanprodan.github.io/podinfo/"),
            "stefanprodan-github-io-podinfo"
        );
        assert_eq!(
            helm_repository_name("https://u:p@h.io/x/index.yaml?a=1"),
            "h-io-x"
        );
        assert_eq!(
            helm_repository_name("https://charts.helm.sh/stable"),
            "charts-helm-sh-stable"
        );
    }

    #[test]
    fn git_urls() {
        let n = |s| normalize_git_url(s).unwrap().url;
        assert_eq!(
            n("git@github.com:acme/x.git"),
            "ssh://git@github.com/acme/x.git"
        );
        assert_eq!(n("github.com:acme/x"), "ssh://git@github.com/acme/x");
        assert_eq!(n("git@host:2222/acme/x"), "ssh://git@host/2222/acme/x");
        assert_eq!(
            n("ssh://git@host:2222/acme/x"),
            "ssh://git@host:2222/acme/x"
        );
        let h = normalize_git_url("https://user:tok@git.example.com/a/b.git").unwrap();
        assert_eq!(h.url, "https://git.example.com/a/b.git");
        assert!(h.had_credentials);
        assert_eq!(
            git_repository_name("ssh://git@github.com/acme/platform"),
            "github-com-acme-platform"
        );
        assert_eq!(
            git_repository_name("https://git.example.com/infra/charts.git"),
            "git-example-com-infra-charts"
        );
    }

    #[test]
    fn repo_names() {
        assert_eq!(repo_name("ssh://git@github.com/acme/fleet"), "fleet");
        assert_eq!(repo_name("https://github.com/acme/Fleet.git/"), "fleet");
    }
}
