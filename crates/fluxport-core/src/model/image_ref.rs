//! Image references as written: name without tag/digest, host, registry provider.

/// `name[:tag][@digest]` split the way v1 did (`flux:pkg/image/image.go#ParseRef`): the
/// tag is after the last `:` that follows the last `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub name: String,
    pub tag: Option<String>,
}

pub fn parse(s: &str) -> ImageRef {
    let s = s.trim();
    let no_digest = s.split('@').next().unwrap_or(s);
    let slash = no_digest.rfind('/').map(|i| i + 1).unwrap_or(0);
    match no_digest[slash..].rfind(':') {
        Some(i) => ImageRef {
            name: no_digest[..slash + i].to_string(),
            tag: Some(no_digest[slash + i + 1..].to_string()),
        },
        None => ImageRef {
            name: no_digest.to_string(),
            tag: None,
        },
    }
}

/// Registry host of an image name (`docker.io` when the first component is not a host).
pub fn host(name: &str) -> &str {
    match name.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            first
        }
        _ => "docker.io",
    }
}

/// `ImageRepository.spec.provider` for the hosts v1 authenticated automatically
/// (MAPPING.md §3.1 `--registry-ecr-*` row).
pub fn provider(name: &str) -> Option<&'static str> {
    let h = host(name)
        .split(':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let labels: Vec<&str> = h.split('.').collect();
    let aws = (h.ends_with(".amazonaws.com") || h.ends_with(".amazonaws.com.cn"))
        && labels.len() >= 6
        && labels[1] == "dkr"
        && labels[2] == "ecr";
    if aws {
        return Some("aws");
    }
    if h == "gcr.io" || h.ends_with(".gcr.io") || h.ends_with("-docker.pkg.dev") {
        return Some("gcp");
    }
    if ["io", "cn", "de", "us"]
        .iter()
        .any(|tld| h.ends_with(&format!(".azurecr.{tld}")))
    {
        return Some("azure");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!(parse("nginx:1.19.0").name, "nginx");
        assert_eq!(parse("localhost:5000/app").tag, None);
        assert_eq!(parse("localhost:5000/app:v1").name, "localhost:5000/app");
        assert_eq!(parse("a/b:1@sha256:00").tag.as_deref(), Some("1"));
        assert_eq!(
            provider("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app"),
            Some("aws")
        );
        assert_eq!(provider("eu.gcr.io/p/app"), Some("gcp"));
        assert_eq!(provider("europe-docker.pkg.dev/p/r/app"), Some("gcp"));
        assert_eq!(provider("acme.azurecr.io/app"), Some("azure"));
        assert_eq!(provider("ghcr.io/a/b"), None);
        assert_eq!(provider("nginx"), None);
    }
}
