//! Chart sources (MAPPING.md §1, §2.4): what a HelmRelease needs, deduplicated across
//! the whole input, named without clashes, and rendered as Flux v2 objects.

use crate::model::naming::{clean_repo_url, dns1123};
use crate::yaml::emit::{render, Out};
use std::collections::{BTreeMap, BTreeSet};

/// `GitRepository.spec.ref`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GitRef {
    Branch(String),
    Tag(String),
    Commit(String),
    Name(String),
}

impl GitRef {
    pub fn value(&self) -> &str {
        match self {
            GitRef::Branch(s) | GitRef::Tag(s) | GitRef::Commit(s) | GitRef::Name(s) => s,
        }
    }
    fn field(&self) -> &'static str {
        match self {
            GitRef::Branch(_) => "branch",
            GitRef::Tag(_) => "tag",
            GitRef::Commit(_) => "commit",
            GitRef::Name(_) => "name",
        }
    }
}

/// A source one HelmRelease needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceSpec {
    Helm {
        namespace: String,
        /// URL as written in `spec.url` (after the stable-repo rewrite).
        url: String,
        oci: bool,
    },
    Git {
        namespace: String,
        /// Normalised URL (`ssh://` or `https://`, no credentials).
        url: String,
        reference: GitRef,
        /// Secret for `spec.secretRef`, if any.
        secret: Option<String>,
        /// Placeholder secret name derived from the source name (SSH / URL credentials):
        /// the final name is `<source name>-auth`.
        needs_auth_placeholder: bool,
        /// Name suffix from the ref (empty when the ref is the default ref).
        ref_suffix: String,
    },
}

impl SourceSpec {
    pub fn kind(&self) -> &'static str {
        match self {
            SourceSpec::Helm { .. } => "HelmRepository",
            SourceSpec::Git { .. } => "GitRepository",
        }
    }
    pub fn namespace(&self) -> &str {
        match self {
            SourceSpec::Helm { namespace, .. } | SourceSpec::Git { namespace, .. } => namespace,
        }
    }
    /// The same source in another namespace.
    pub fn in_namespace(&self, ns: &str) -> SourceSpec {
        let mut s = self.clone();
        match &mut s {
            SourceSpec::Helm { namespace, .. } | SourceSpec::Git { namespace, .. } => {
                *namespace = ns.to_string()
            }
        }
        s
    }
    /// Dedupe key: HelmRepository by (namespace, v1-cleaned URL); GitRepository by
    /// (namespace, URL, ref, secret).
    pub fn key(&self) -> SourceKey {
        #[cfg(test)]
        tests::KEYS_COMPUTED.with(|n| n.set(n.get() + 1));
        match self {
            SourceSpec::Helm { namespace, url, .. } => SourceKey {
                kind: "HelmRepository",
                namespace: namespace.clone(),
                identity: clean_repo_url(url),
            },
            SourceSpec::Git {
                namespace,
                url,
                reference,
                secret,
                ..
            } => SourceKey {
                kind: "GitRepository",
                namespace: namespace.clone(),
                identity: format!(
                    "{url}#{}={}#{}",
                    reference.field(),
                    reference.value(),
                    secret.clone().unwrap_or_default()
                ),
            },
        }
    }
    fn base_name(&self) -> String {
        match self {
            SourceSpec::Helm { url, .. } => crate::model::naming::helm_repository_name(url),
            SourceSpec::Git {
                url, ref_suffix, ..
            } => {
                let base = crate::model::naming::git_repository_name(url);
                if ref_suffix.is_empty() {
                    base
                } else {
                    dns1123(&format!("{base}-{ref_suffix}"))
                }
            }
        }
    }
    /// The URL an existing Flux v2 source must have to be reused for this one.
    fn match_url(&self) -> String {
        match self {
            SourceSpec::Helm { url, .. } => clean_repo_url(url),
            SourceSpec::Git { url, .. } => url.trim_end_matches('/').to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceKey {
    pub kind: &'static str,
    pub namespace: String,
    pub identity: String,
}

/// A Flux v2 source already present in the input.
#[derive(Debug, Clone)]
pub struct ExistingSource {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub url: String,
    /// For GitRepository: the ref as `field=value` (empty when unknown).
    pub reference: String,
    pub file: String,
}

/// The name a source got, and whether it is reused from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedSource {
    pub kind: &'static str,
    pub name: String,
    pub namespace: String,
    /// True if an existing object in the input is reused (nothing new is emitted).
    pub existing: bool,
    /// True if the name got a suffix because of a clash.
    pub clashed: bool,
}

/// Assigns a name to every distinct source, deterministically and independent of input
/// order: specs are sorted by key, the first takes the base name, later ones with the
/// same base name get `-2`, `-3`, ... Names already used by objects in the input are
/// never taken.
pub fn assign_names(
    specs: &BTreeSet<SourceSpec>,
    existing: &[ExistingSource],
) -> BTreeMap<SourceKey, ResolvedSource> {
    let mut taken: BTreeSet<(String, String, String)> = BTreeSet::new();
    taken.extend(
        existing
            .iter()
            .map(|e| (e.kind.clone(), e.namespace.clone(), e.name.clone())),
    );
    let mut out = BTreeMap::new();
    let mut by_key: BTreeMap<SourceKey, &SourceSpec> = BTreeMap::new();
    for s in specs {
        by_key.entry(s.key()).or_insert(s);
    }
    for (key, spec) in by_key {
        let reuse = existing.iter().find(|e| {
            e.kind == spec.kind()
                && e.namespace == spec.namespace()
                && match spec {
                    SourceSpec::Helm { .. } => clean_repo_url(&e.url) == spec.match_url(),
                    SourceSpec::Git { reference, .. } => {
                        e.url.trim_end_matches('/') == spec.match_url()
                            && e.reference == format!("{}={}", reference.field(), reference.value())
                    }
                }
        });
        if let Some(e) = reuse {
            out.insert(
                key,
                ResolvedSource {
                    kind: spec.kind(),
                    name: e.name.clone(),
                    namespace: e.namespace.clone(),
                    existing: true,
                    clashed: false,
                },
            );
            continue;
        }
        let (name, clashed) = pick_name(spec, |c| {
            taken.contains(&(
                spec.kind().to_string(),
                spec.namespace().to_string(),
                c.to_string(),
            ))
        });
        taken.insert((
            spec.kind().to_string(),
            spec.namespace().to_string(),
            name.clone(),
        ));
        out.insert(
            key,
            ResolvedSource {
                kind: spec.kind(),
                name,
                namespace: spec.namespace().to_string(),
                existing: false,
                clashed,
            },
        );
    }
    out
}

/// The name a new source gets (MAPPING §1): its base name, else (git with a secret) the
/// base name with the secret's, else the first free `-2`, `-3`, ...; and whether it had
/// to move off the base name. `taken` says which names are not free.
pub fn pick_name(spec: &SourceSpec, taken: impl Fn(&str) -> bool) -> (String, bool) {
    let base = spec.base_name();
    let mut candidates = vec![base.clone()];
    if let SourceSpec::Git {
        secret: Some(sec), ..
    } = spec
    {
        candidates.push(dns1123(&format!("{base}-{sec}")));
    }
    let name = candidates
        .into_iter()
        .find(|c| !taken(c))
        .unwrap_or_else(|| {
            (2..)
                .map(|n| suffixed(&base, n))
                .find(|c| !taken(c))
                .unwrap_or_default()
        });
    let clashed = name != base;
    (name, clashed)
}

fn suffixed(base: &str, n: usize) -> String {
    let suffix = format!("-{n}");
    let mut head: String = base.chars().take(63 - suffix.len()).collect();
    while head.ends_with('-') {
        head.pop();
    }
    format!("{head}{suffix}")
}

/// Settings the rendered sources need.
pub struct SourceSettings<'a> {
    pub helm_interval: &'a str,
    pub git_interval: &'a str,
    pub git_timeout: &'a str,
}

/// The placeholder Secret name for a git source that needs credentials.
pub fn auth_secret_name(source_name: &str) -> String {
    dns1123(&format!("{source_name}-auth"))
}

/// Renders one source object (a document without `---`).
pub fn render_source(
    spec: &SourceSpec,
    resolved: &ResolvedSource,
    settings: &SourceSettings,
    nl: &str,
) -> String {
    render_source_in(spec, resolved, Some(&resolved.namespace), settings, nl)
}

/// [`render_source`] with the `metadata.namespace` to write: `None` for a file whose
/// kustomization sets `namespace:` (kustomize gives the object its namespace).
pub fn render_source_in(
    spec: &SourceSpec,
    resolved: &ResolvedSource,
    namespace: Option<&str>,
    settings: &SourceSettings,
    nl: &str,
) -> String {
    render(&source_doc(spec, resolved, namespace, settings), nl)
}

/// The source object's document, for [`render_source_in`] or for
/// `emit::GeneratedTrees::render`.
pub fn source_doc(
    spec: &SourceSpec,
    resolved: &ResolvedSource,
    namespace: Option<&str>,
    settings: &SourceSettings,
) -> Out {
    let metadata = Out::map()
        .s("name", &resolved.name)
        .opt("namespace", namespace.map(Out::str))
        .build();
    let doc = match spec {
        SourceSpec::Helm { url, oci, .. } => {
            let mut spec_map = Out::map()
                .s("interval", settings.helm_interval)
                .s("url", url);
            if *oci {
                spec_map = spec_map.s("type", "oci");
            }
            Out::map()
                .s("apiVersion", "source.toolkit.fluxcd.io/v1")
                .s("kind", "HelmRepository")
                .kv("metadata", metadata)
                .kv("spec", spec_map.build())
                .build()
        }
        SourceSpec::Git {
            url,
            reference,
            secret,
            needs_auth_placeholder,
            ..
        } => {
            let secret_name = secret
                .clone()
                .or_else(|| needs_auth_placeholder.then(|| auth_secret_name(&resolved.name)));
            let spec_map = Out::map()
                .s("interval", settings.git_interval)
                .s("timeout", settings.git_timeout)
                .s("url", url)
                .kv(
                    "ref",
                    Out::map().s(reference.field(), reference.value()).build(),
                )
                .opt(
                    "secretRef",
                    secret_name.map(|s| Out::map().s("name", s).build()),
                );
            Out::map()
                .s("apiVersion", "source.toolkit.fluxcd.io/v1")
                .s("kind", "GitRepository")
                .kv("metadata", metadata)
                .kv("spec", spec_map.build())
                .build()
        }
    };
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// Source keys computed on this thread ([`SourceSpec::key`]): the helm stage must
        /// compute a number linear in its releases.
        pub(super) static KEYS_COMPUTED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    #[test]
    fn the_helm_stage_computes_source_keys_linearly() {
        // 300 HelmReleases, each with its own chart repository. Finding each source's
        // releases by scanning every release (and computing its key) took 300 × 300.
        let text: String = (0..300)
            .map(|i| format!("---\napiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: app-{i}\n  namespace: apps\nspec:\n  chart:\n    repository: https://charts-{i}.example.com/\n    name: app\n    version: 1.0.0\n"))
            .collect();
        let opts = crate::model::options::Options {
            parallel: false,
            ..Default::default()
        };
        KEYS_COMPUTED.with(|n| n.set(0));
        let c = crate::convert(&[crate::InputFile::new("apps.yaml", text)], &opts);
        let keys = KEYS_COMPUTED.with(|n| n.get());
        let sources = c
            .files
            .iter()
            .flat_map(|f| f.text().lines())
            .filter(|l| *l == "kind: HelmRepository")
            .count();
        assert_eq!(sources, 300, "one HelmRepository per release");
        eprintln!("{keys} source keys for 300 releases");
        assert!(
            keys < 20 * 300,
            "{keys} source keys computed for 300 releases: not linear"
        );
    }

    fn helm(ns: &str, url: &str) -> SourceSpec {
        SourceSpec::Helm {
            namespace: ns.into(),
            url: url.into(),
            oci: false,
        }
    }

    #[test]
    fn dedupe_by_cleaned_url_and_namespace() {
        let specs: BTreeSet<_> = [
            helm("a", "https://h.io/x"),
            helm("a", "https://h.io/x/"),
            helm("b", "https://h.io/x"),
        ]
        .into_iter()
        .collect();
        let names = assign_names(&specs, &[]);
        assert_eq!(names.len(), 2);
        assert!(names.values().all(|r| r.name == "h-io-x"));
    }

    #[test]
    fn clashes_get_suffixes_in_sorted_order() {
        let specs: BTreeSet<_> = [helm("a", "https://h.io/x"), helm("a", "http://h.io/x")]
            .into_iter()
            .collect();
        let names = assign_names(&specs, &[]);
        let mut v: Vec<_> = names.values().map(|r| r.name.clone()).collect();
        v.sort();
        assert_eq!(v, vec!["h-io-x", "h-io-x-2"]);
    }

    #[test]
    fn existing_sources_are_reused_and_reserved() {
        let specs: BTreeSet<_> = [
            helm("a", "https://h.io/x"),
            helm("a", "https://other.io/h-io-x"),
        ]
        .into_iter()
        .collect();
        let existing = vec![ExistingSource {
            kind: "HelmRepository".into(),
            namespace: "a".into(),
            name: "mine".into(),
            url: "https://h.io/x/".into(),
            reference: String::new(),
            file: "s.yaml".into(),
        }];
        let names = assign_names(&specs, &existing);
        let r = &names[&helm("a", "https://h.io/x").key()];
        assert!(r.existing);
        assert_eq!(r.name, "mine");
    }
}
