//! The CRDs' `x-kubernetes-validations` (CEL) rules, each written as a Rust check.
//!
//! Reads: the node a rule sits on (`self`) and its schema (for field defaults: the API
//! server defaults before it evaluates CEL, `apiextensions-apiserver`
//! `pkg/apiserver/schema/cel`). Writes: whether the rule holds.
//!
//! [`CHECKS`] is keyed by (kind, schema path, exact rule text); `tests/crd_schema.rs`
//! reads every rule of `../shared/crds` and fails naming each one without a check, so a
//! new rule in updated CRDs cannot pass unnoticed. A rule the table does not know is
//! not evaluated ([`holds`] gives `None`). `tests/crd_schema.rs` (`CEL_CASES`) also has,
//! for every rule, objects that break exactly that rule and a clean twin, and fails
//! when a rule has no such case.
//!
//! `has(self.f)` here reads the object as written, while the API server evaluates CEL
//! after defaulting. Of the fields the rules test with `has()`, only ImagePolicy
//! `digestReflectionPolicy` has a default (`Never`), and both readings give the same
//! result for it (planted unset in `CEL_CASES`). Field *values* do take the default
//! ([`This::s`], e.g. Bucket `provider: generic`).

use crate::yaml::Node;
use serde_json::Value as J;

/// `self` of a rule: the node and its schema.
pub struct This<'a> {
    node: &'a Node,
    schema: &'a J,
}

impl<'a> This<'a> {
    /// CEL `has(self.key)`: set and not null.
    fn has(&self, key: &str) -> bool {
        self.node.get(key).is_some_and(|n| !n.is_null())
    }
    /// `self.key` as a string, its schema default when unset.
    fn s(&self, key: &str) -> &'a str {
        match self.node.get(key).filter(|n| !n.is_null()) {
            Some(n) => n.as_str().unwrap_or(""),
            None => self.schema["properties"][key]["default"]
                .as_str()
                .unwrap_or(""),
        }
    }
    /// `self.key` as a child `self`.
    fn at(&self, key: &str) -> This<'a> {
        static NULL: J = J::Null;
        This {
            node: self.node.get(key).unwrap_or(self.node),
            schema: self.schema["properties"].get(key).unwrap_or(&NULL),
        }
    }
    /// CEL `size(self.key)` of a list (0 when unset).
    fn size(&self, key: &str) -> usize {
        self.node.get(key).map_or(0, |n| n.items().len())
    }
}

type Check = fn(&This) -> bool;

/// (kind, schema path, rule text as in the CRD, check).
#[rustfmt::skip]
pub const CHECKS: &[(&str, &str, &str, Check)] = &[
    ("HelmRelease", "spec",
     "(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))",
     |t| t.has("chart") != t.has("chartRef")),
    ("HelmRelease", "spec.install.strategy",
     "!has(self.retryInterval) || self.name != 'RemediateOnFailure'",
     |t| !t.has("retryInterval") || t.s("name") != "RemediateOnFailure"),
    ("HelmRelease", "spec.upgrade.strategy",
     "!has(self.retryInterval) || self.name == 'RetryOnFailure'",
     |t| !t.has("retryInterval") || t.s("name") == "RetryOnFailure"),
    ("HelmRelease", "spec.kubeConfig",
     "has(self.configMapRef) || has(self.secretRef)",
     |t| t.has("configMapRef") || t.has("secretRef")),
    ("HelmRelease", "spec.kubeConfig",
     "!has(self.configMapRef) || !has(self.secretRef)",
     |t| !t.has("configMapRef") || !t.has("secretRef")),
    ("Kustomization", "spec.kubeConfig",
     "has(self.configMapRef) || has(self.secretRef)",
     |t| t.has("configMapRef") || t.has("secretRef")),
    ("Kustomization", "spec.kubeConfig",
     "!has(self.configMapRef) || !has(self.secretRef)",
     |t| !t.has("configMapRef") || !t.has("secretRef")),
    ("ImagePolicy", "spec",
     "!has(self.interval) || (has(self.digestReflectionPolicy) && self.digestReflectionPolicy == 'Always')",
     |t| !t.has("interval") || (t.has("digestReflectionPolicy") && t.s("digestReflectionPolicy") == "Always")),
    ("ImagePolicy", "spec",
     "has(self.interval) || !has(self.digestReflectionPolicy) || self.digestReflectionPolicy != 'Always'",
     |t| t.has("interval") || !t.has("digestReflectionPolicy") || t.s("digestReflectionPolicy") != "Always"),
    ("Provider", "spec",
     "self.type == 'github' || self.type == 'gitlab' || self.type == 'gitea' || self.type == 'bitbucketserver' || self.type == 'bitbucket' || self.type == 'azuredevops' || !has(self.commitStatusExpr)",
     |t| ["github", "gitlab", "gitea", "bitbucketserver", "bitbucket", "azuredevops"].contains(&t.s("type")) || !t.has("commitStatusExpr")),
    ("Receiver", "spec",
     "self.type != 'generic-oidc' || (has(self.oidcProviders) && size(self.oidcProviders) > 0)",
     |t| t.s("type") != "generic-oidc" || (t.has("oidcProviders") && t.size("oidcProviders") > 0)),
    ("Receiver", "spec",
     "self.type == 'generic-oidc' || !has(self.oidcProviders) || size(self.oidcProviders) == 0",
     |t| t.s("type") == "generic-oidc" || !t.has("oidcProviders") || t.size("oidcProviders") == 0),
    ("Receiver", "spec",
     "self.type != 'generic-oidc' || !has(self.secretRef)",
     |t| t.s("type") != "generic-oidc" || !t.has("secretRef")),
    ("Receiver", "spec",
     "self.type == 'generic-oidc' || has(self.secretRef)",
     |t| t.s("type") == "generic-oidc" || t.has("secretRef")),
    ("Bucket", "spec",
     "self.provider == 'aws' || self.provider == 'generic' || !has(self.sts)",
     |t| matches!(t.s("provider"), "aws" | "generic") || !t.has("sts")),
    ("Bucket", "spec",
     "self.provider != 'aws' || !has(self.sts) || self.sts.provider == 'aws'",
     |t| t.s("provider") != "aws" || !t.has("sts") || t.at("sts").s("provider") == "aws"),
    ("Bucket", "spec",
     "self.provider != 'generic' || !has(self.sts) || self.sts.provider == 'ldap'",
     |t| t.s("provider") != "generic" || !t.has("sts") || t.at("sts").s("provider") == "ldap"),
    ("Bucket", "spec",
     "!has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.secretRef)",
     |t| !t.has("sts") || t.at("sts").s("provider") != "aws" || !t.at("sts").has("secretRef")),
    ("Bucket", "spec",
     "!has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.certSecretRef)",
     |t| !t.has("sts") || t.at("sts").s("provider") != "aws" || !t.at("sts").has("certSecretRef")),
    ("Bucket", "spec",
     "self.provider != 'generic' || !has(self.serviceAccountName)",
     |t| t.s("provider") != "generic" || !t.has("serviceAccountName")),
    ("Bucket", "spec",
     "!has(self.secretRef) || !has(self.serviceAccountName)",
     |t| !t.has("secretRef") || !t.has("serviceAccountName")),
    ("GitRepository", "spec",
     "!has(self.serviceAccountName) || (has(self.provider) && (self.provider == 'azure' || self.provider == 'aws'))",
     |t| !t.has("serviceAccountName") || (t.has("provider") && matches!(t.s("provider"), "azure" | "aws"))),
    ("HelmChart", "spec",
     "!has(self.verify) || self.sourceRef.kind == 'HelmRepository'",
     |t| !t.has("verify") || t.at("sourceRef").s("kind") == "HelmRepository"),
];

fn find(kind: &str, path: &str, rule: &str) -> Option<Check> {
    CHECKS
        .iter()
        .find(|(k, p, r, _)| *k == kind && *p == path && *r == rule)
        .map(|c| c.3)
}

/// Whether the table has a check for this rule.
pub fn has_check(kind: &str, path: &str, rule: &str) -> bool {
    find(kind, path, rule).is_some()
}

/// Whether `rule` holds for `node` (with its `schema`); `None` when it has no check.
pub fn holds(kind: &str, path: &str, rule: &str, node: &Node, schema: &J) -> Option<bool> {
    let check = find(kind, path, rule)?;
    Some(node.is_map() && check(&This { node, schema }) || !node.is_map())
}
