//! The generated ImageRepository / ImagePolicy / ImageUpdateAutomation objects
//! (MAPPING.md §4.5–§4.7).

use super::filter::{glob_to_regex, Filter};
use super::tag_order::{self, Order, Outcome};
use crate::yaml::emit::Out;

pub const API: &str = "image.toolkit.fluxcd.io/v1";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    pub name: String,
    pub image: String,
    pub interval: String,
    pub secret: Option<String>,
    pub provider: Option<&'static str>,
    pub insecure: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub name: String,
    pub repo: String,
    pub filter: Filter,
    pub locked: bool,
    pub locked_note: Option<String>,
    /// The tag order inferred for a glob/regex filter (`None` when the filter needs no
    /// ordering decision).
    pub order: Option<Outcome>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Automation {
    pub name: String,
    pub source: String,
    pub interval: String,
    pub branch: String,
    pub author: String,
    pub email: String,
    pub message: String,
    pub signing_key: Option<String>,
    pub path: String,
}

fn one_line(s: &str) -> String {
    s.split(['\n', '\r']).collect::<Vec<_>>().join(" ")
}

fn meta(name: &str, ns: &str) -> Out {
    Out::map().s("name", name).s("namespace", ns).build()
}

/// The ImageRepository document (rendered through `emit::GeneratedTrees`).
pub fn repository(r: &Repo, ns: &str) -> Out {
    let mut spec = Out::map().s("image", &r.image).s("interval", &r.interval);
    if let Some(p) = r.provider {
        spec = spec.s("provider", p);
    }
    if let Some(s) = &r.secret {
        spec = spec.kv("secretRef", Out::map().s("name", s).build());
    }
    if r.insecure {
        spec = spec.kv("insecure", Out::Bool(true));
    }

    Out::map()
        .s("apiVersion", API)
        .s("kind", "ImageRepository")
        .kv("metadata", meta(&r.name, ns))
        .kv("spec", spec.build())
        .build()
}

/// True when the ordering needs a human decision (glob/regex with several candidates).
pub fn needs_ordering(f: &Filter) -> bool {
    match f {
        Filter::Semver(_) => false,
        Filter::Glob(g) => g.contains('*'),
        Filter::Regex(_) => true,
    }
}

pub fn policy(p: &Policy, ns: &str) -> Out {
    let mut spec = Out::map().kv("imageRepositoryRef", Out::map().s("name", &p.repo).build());
    let alphabetical = || Out::map().s("order", "asc").build();
    let todo = match &p.order {
        Some(Outcome::Suspended { reason, tag }) => format!(
            "TODO: v1 ordered by build time and no order was inferred: {}; tags shaped {} would make it sortable (numerical order with filterTags.extract)",
            reason.describe(),
            tag_order::suggestion(&p.filter, tag.as_deref(), reason)
        ),
        _ => "TODO: v1 ordered by build time; adopt sortable tags, then choose semver, numerical (with filterTags.extract) or alphabetical".into(),
    };
    let inferred = match &p.order {
        Some(Outcome::Inferred(i)) => Some(i),
        _ => None,
    };
    match (&p.filter, inferred) {
        (_, Some(i)) => {
            spec = spec.kv(
                "filterTags",
                Out::map()
                    .s("pattern", &i.pattern)
                    .s("extract", i.extract())
                    .build(),
            );
            let note = format!(
                "inferred from the current tag `{}` ({}); verify before the cut-over",
                i.tag,
                i.shape.describe()
            );
            let order = match i.order {
                Order::Semver => Out::map().s("range", tag_order::SEMVER_ANY).build(),
                _ => alphabetical(),
            };
            spec = spec.kv(
                "policy",
                Out::map()
                    .kv(i.order.as_str(), Out::Commented(Box::new(order), note))
                    .build(),
            );
        }
        (Filter::Semver(r), None) => {
            spec = spec.kv(
                "policy",
                Out::map()
                    .kv("semver", Out::map().s("range", r).build())
                    .build(),
            );
        }
        (Filter::Glob(g), None) => {
            if g != "*" {
                spec = spec.kv(
                    "filterTags",
                    Out::map().s("pattern", glob_to_regex(g)).build(),
                );
            }
            let pol = if needs_ordering(&p.filter) {
                Out::Commented(Box::new(alphabetical()), todo)
            } else {
                alphabetical()
            };
            spec = spec.kv("policy", Out::map().kv("alphabetical", pol).build());
        }
        (Filter::Regex(re), None) => {
            spec = spec.kv("filterTags", Out::map().s("pattern", re).build());
            spec = spec.kv(
                "policy",
                Out::map()
                    .kv(
                        "alphabetical",
                        Out::Commented(Box::new(alphabetical()), todo),
                    )
                    .build(),
            );
        }
    }
    if p.locked {
        let note = p
            .locked_note
            .as_deref()
            .map(one_line)
            .unwrap_or_else(|| "locked in v1".into());
        spec = spec.kv("suspend", Out::Commented(Box::new(Out::Bool(true)), note));
    } else if needs_ordering(&p.filter) && inferred.is_none() {
        spec = spec.kv(
            "suspend",
            Out::Commented(
                Box::new(Out::Bool(true)),
                "inert until the ordering is reviewed".into(),
            ),
        );
    }

    Out::map()
        .s("apiVersion", API)
        .s("kind", "ImagePolicy")
        .kv("metadata", meta(&p.name, ns))
        .kv("spec", spec.build())
        .build()
}

pub fn automation(a: &Automation, ns: &str) -> Out {
    let mut commit = Out::map().kv(
        "author",
        Out::map().s("name", &a.author).s("email", &a.email).build(),
    );
    commit = commit.s("messageTemplate", &a.message);
    if let Some(k) = &a.signing_key {
        commit = commit.kv(
            "signingKey",
            Out::map()
                .kv("secretRef", Out::map().s("name", k).build())
                .build(),
        );
    }
    let git = Out::map()
        .kv(
            "checkout",
            Out::map()
                .kv("ref", Out::map().s("branch", &a.branch).build())
                .build(),
        )
        .kv("commit", commit.build())
        .build();
    let spec = Out::map()
        .s("interval", &a.interval)
        .kv(
            "sourceRef",
            Out::map()
                .s("kind", "GitRepository")
                .s("name", &a.source)
                .build(),
        )
        .kv("git", git)
        .kv(
            "update",
            Out::map()
                .s("strategy", "Setters")
                .s("path", &a.path)
                .build(),
        )
        .build();

    Out::map()
        .s("apiVersion", API)
        .s("kind", "ImageUpdateAutomation")
        .kv("metadata", meta(&a.name, ns))
        .kv("spec", spec)
        .build()
}
