//! Kubernetes name rules (`k8s.io/apimachinery/pkg/util/validation`): RFC 1123 labels
//! (namespaces, at most 63 characters) and subdomains (most names, at most 253), and
//! Helm's 53-character release-name limit.

/// Helm's longest release name (`helm/pkg/chartutil` `maxReleaseNameLen`... the
/// `releaseName` `maxLength` of the HelmRelease CRD).
pub const MAX_RELEASE_NAME: usize = 53;

fn alnum(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// Why `s` is not an RFC 1123 label, if it is not.
pub fn label_error(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("is empty".into());
    }
    if s.len() > 63 {
        return Some(format!("is {} characters long (at most 63)", s.len()));
    }
    let b = s.as_bytes();
    if !b.iter().all(|&c| alnum(c) || c == b'-') {
        return Some("may contain only lowercase letters, digits and `-`".into());
    }
    if !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return Some("must start and end with a lowercase letter or digit".into());
    }
    None
}

/// Why `s` is not an RFC 1123 subdomain, if it is not.
pub fn subdomain_error(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("is empty".into());
    }
    if s.len() > 253 {
        return Some(format!("is {} characters long (at most 253)", s.len()));
    }
    for part in s.split('.') {
        if part.is_empty() {
            return Some("has an empty part between dots".into());
        }
        let b = part.as_bytes();
        if !b.iter().all(|&c| alnum(c) || c == b'-') {
            return Some("may contain only lowercase letters, digits, `-` and `.`".into());
        }
        if !alnum(b[0]) || !alnum(b[b.len() - 1]) {
            return Some(
                "must start and end with a lowercase letter or digit (each dot-separated part too)"
                    .into(),
            );
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_subdomains() {
        assert_eq!(label_error("api-staging"), None);
        assert!(label_error("api-STAGING_SANDBOX_ID").is_some());
        assert!(label_error(&"a".repeat(64)).is_some());
        assert!(label_error("-a").is_some());
        assert_eq!(subdomain_error("my.app-1"), None);
        assert!(subdomain_error("my..app").is_some());
        assert!(subdomain_error("My").is_some());
        assert_eq!(subdomain_error(&"a".repeat(253)), None);
        assert!(subdomain_error(&"a".repeat(254)).is_some());
    }
}
