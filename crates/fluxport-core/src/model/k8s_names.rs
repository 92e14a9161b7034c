//! Kubernetes and Helm name rules, in one place: the conversion (v1 HelmRelease
//! names, namespaces and target namespaces, `helm::helmrelease::read`) and the
//! pre-flight (`verify`) both call these functions.
//!
//! The rules are those of `k8s.io/apimachinery/pkg/util/validation/validation.go`:
//! * [`label_error`]: `IsDNS1123Label`, `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63
//!   (`DNS1123LabelMaxLength`). Namespaces (`ValidateNamespaceName`) and Helm storage
//!   and target namespaces, which name namespaces.
//! * [`subdomain_error`]: `IsDNS1123Subdomain`, labels joined by `.`, at most 253
//!   (`DNS1123SubdomainMaxLength`). Most object names (`NameIsDNSSubdomain`).
//! * [`rfc1035_label_error`]: `IsDNS1035Label`, `[a-z]([-a-z0-9]*[a-z0-9])?`, at most 63
//!   (`DNS1035LabelMaxLength`). Service names (`ValidateServiceName` in
//!   `k8s.io/kubernetes/pkg/apis/core/validation`, `NameIsDNS1035Label`).
//! * [`qualified_name_error`]: `IsQualifiedName`, an optional RFC 1123 subdomain prefix
//!   and `/`, then a name of at most 63 (`qualifiedNameMaxLength`) matching
//!   `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`. Label keys (`ValidateLabelName`) and,
//!   lowercased, annotation keys (`ValidateAnnotations` in
//!   `k8s.io/apimachinery/pkg/api/validation/objectmeta.go`).
//! * [`label_value_error`]: `IsValidLabelValue`, empty or such a name.
//! * [`release_name_error`]: Helm's `chartutil.ValidateReleaseName`
//!   (`helm/pkg/chartutil/validate_name.go`, Helm ≥ 3.5, the SDK helm-controller uses):
//!   `validName` is the RFC 1123 subdomain regex, and the name is at most
//!   `maxReleaseNameLen` = 53 characters (the HelmRelease CRD's `releaseName`
//!   `maxLength` too).

/// Helm's longest release name (`maxReleaseNameLen` in `helm/pkg/chartutil`; the
/// `releaseName` `maxLength` of the HelmRelease CRD).
pub const MAX_RELEASE_NAME: usize = 53;

/// `DNS1123LabelMaxLength` (and `DNS1035LabelMaxLength`).
pub const MAX_LABEL: usize = 63;

/// `DNS1123SubdomainMaxLength`.
pub const MAX_SUBDOMAIN: usize = 253;

fn alnum(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// The characters and ends of one label (no length check).
fn label_shape(s: &str, first_letter: bool) -> Option<&'static str> {
    let b = s.as_bytes();
    if !b.iter().all(|&c| alnum(c) || c == b'-') {
        return Some("may contain only lowercase letters, digits and `-`");
    }
    if first_letter && !b[0].is_ascii_lowercase() {
        return Some("must start with a lowercase letter and end with a lowercase letter or digit");
    }
    if !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return Some("must start and end with a lowercase letter or digit");
    }
    None
}

/// `is N characters long (at most max)` when `s` is longer than `max` bytes.
fn too_long(s: &str, max: usize) -> Option<String> {
    (s.len() > max).then(|| format!("is {} characters long (at most {max})", s.len()))
}

/// Why `s` is not an RFC 1123 label (`IsDNS1123Label`), if it is not.
pub fn label_error(s: &str) -> Option<String> {
    label_of_kind(s, false)
}

/// Why `s` is not an RFC 1035 label (`IsDNS1035Label`: a Service name), if it is not.
pub fn rfc1035_label_error(s: &str) -> Option<String> {
    label_of_kind(s, true)
}

/// The two label rules differ only in the first character (`label_shape`).
fn label_of_kind(s: &str, rfc1035: bool) -> Option<String> {
    if s.is_empty() {
        return Some("is empty".into());
    }
    if let Some(e) = too_long(s, MAX_LABEL) {
        return Some(e);
    }
    label_shape(s, rfc1035).map(str::to_string)
}

/// Why `s` is not an RFC 1123 subdomain (`IsDNS1123Subdomain`), if it is not.
pub fn subdomain_error(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("is empty".into());
    }
    if let Some(e) = too_long(s, MAX_SUBDOMAIN) {
        return Some(e);
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

/// The name part of a qualified name, or a non-empty label value (no length check):
/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`.
fn qualified_shape(s: &str) -> Option<&'static str> {
    let b = s.as_bytes();
    let ok = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.');
    if !b.iter().all(ok) {
        return Some("may contain only letters, digits, `-`, `_` and `.`");
    }
    match (b.first(), b.last()) {
        (Some(f), Some(l)) if f.is_ascii_alphanumeric() && l.is_ascii_alphanumeric() => None,
        _ => Some("must start and end with a letter or digit"),
    }
}

/// Why `s` is not a qualified name (`IsQualifiedName`: a label key), if it is not.
pub fn qualified_name_error(s: &str) -> Option<String> {
    let (prefix, name) = match s.split_once('/') {
        Some((_, n)) if n.contains('/') => {
            return Some("has more than one `/`".into());
        }
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    if let Some(p) = prefix {
        if p.is_empty() {
            return Some("has an empty prefix before `/`".into());
        }
        if let Some(e) = subdomain_error(p) {
            return Some(format!("has a prefix that {e} (an RFC 1123 subdomain)"));
        }
    }
    if name.is_empty() {
        return Some("has an empty name".into());
    }
    if name.len() > MAX_LABEL {
        return Some(format!(
            "has a name of {} characters (at most {MAX_LABEL})",
            name.len()
        ));
    }
    qualified_shape(name).map(|e| format!("has a name that {e}"))
}

/// Why `s` is not a label value (`IsValidLabelValue`), if it is not.
pub fn label_value_error(s: &str) -> Option<String> {
    if s.is_empty() {
        return None;
    }
    if let Some(e) = too_long(s, MAX_LABEL) {
        return Some(e);
    }
    qualified_shape(s).map(str::to_string)
}

/// Why `s` is not a Helm release name (`chartutil.ValidateReleaseName`), if it is not:
/// an RFC 1123 subdomain of at most [`MAX_RELEASE_NAME`] characters.
pub fn release_name_error(s: &str) -> Option<String> {
    if s.len() > MAX_RELEASE_NAME {
        return Some(format!(
            "is {} characters long (Helm allows at most {MAX_RELEASE_NAME})",
            s.len()
        ));
    }
    subdomain_error(s)
}

/// The name rule the API server applies to `metadata.name` of `kind`: RFC 1123 label
/// for a Namespace, RFC 1035 label for a Service, else RFC 1123 subdomain.
pub fn object_name_error(kind: &str, name: &str) -> Option<String> {
    match kind {
        "Namespace" => label_error(name),
        "Service" => rfc1035_label_error(name),
        _ => subdomain_error(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_names_and_label_values() {
        for ok in [
            "app",
            "app.kubernetes.io/name",
            "A_b.c-1",
            "x/Y",
            &"a".repeat(63),
        ] {
            assert_eq!(qualified_name_error(ok), None, "{ok}");
        }
        for bad in [
            "",
            "/a",
            "a/",
            "a/b/c",
            "-a",
            "a_",
            "Ex.com/a",
            "a b",
            &"a".repeat(64),
        ] {
            assert!(qualified_name_error(bad).is_some(), "{bad}");
        }
        for ok in ["", "v1.2", "A_b", &"a".repeat(63)] {
            assert_eq!(label_value_error(ok), None, "{ok}");
        }
        for bad in ["a/b", "-a", "a.", "x y", &"a".repeat(64)] {
            assert!(label_value_error(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn labels_and_subdomains() {
        assert_eq!(label_error("api-staging"), None);
        assert!(label_error("api-STAGING_SANDBOX_ID").is_some());
        assert!(label_error("Bad_NS").is_some());
        assert_eq!(label_error(&"a".repeat(63)), None);
        assert!(label_error(&"a".repeat(64)).is_some());
        assert!(label_error("-a").is_some());
        assert!(label_error("a.b").is_some());
        assert_eq!(subdomain_error("my.app-1"), None);
        assert!(subdomain_error("my..app").is_some());
        assert!(subdomain_error("My").is_some());
        assert!(subdomain_error("MyApp").is_some());
        assert_eq!(subdomain_error(&"a".repeat(253)), None);
        assert!(subdomain_error(&"a".repeat(254)).is_some());
    }

    #[test]
    fn rfc1035_labels() {
        assert_eq!(rfc1035_label_error("web-1"), None);
        assert!(rfc1035_label_error("1web").is_some());
        assert!(label_error("1web").is_none(), "a valid RFC 1123 label");
        assert!(rfc1035_label_error("web.1").is_some());
        assert!(object_name_error("Service", "1web").is_some());
        assert_eq!(object_name_error("ConfigMap", "1web"), None);
        assert!(object_name_error("Namespace", "a.b").is_some());
    }

    #[test]
    fn release_names() {
        assert_eq!(release_name_error("demo-apps-app"), None);
        assert!(release_name_error("demo-Not_A_Namespace!-app").is_some());
        assert_eq!(release_name_error(&"a".repeat(53)), None);
        assert!(release_name_error(&"a".repeat(54)).is_some());
        assert_eq!(release_name_error("a.b"), None);
    }
}
