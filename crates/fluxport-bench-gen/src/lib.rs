//! A deterministic synthetic Flux v1 repository for benchmarks.
//!
//! `generate(scale, seed)` returns `(path, text)` pairs. At scale 1 the repo has
//! 10 clusters, each with a fluxd Deployment (`--git-path=clusters/cNN`), a
//! helm-operator, 100 v1 HelmReleases (values of 10..300 lines with comments and
//! several images, `fluxcd.io/automated` + `filter.fluxcd.io/*` annotations, charts
//! from ~20 Helm repositories and some git charts) and 100 annotated Deployments:
//! about 5 MB of YAML. Scale N gives N× as many clusters (and bytes).
//! Same (scale, seed) → same bytes, on every platform.

use std::fmt::Write;

/// SplitMix64: tiny, well-distributed, stable across platforms.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }
}

pub const CLUSTERS_PER_SCALE: usize = 10;
pub const RELEASES_PER_CLUSTER: usize = 100;
pub const DEPLOYMENTS_PER_CLUSTER: usize = 100;
pub const DEFAULT_SEED: u64 = 0x5EED_F1A5;

const WORDS: &[&str] = &[
    "api",
    "worker",
    "cache",
    "ingress",
    "metrics",
    "proxy",
    "gateway",
    "auth",
    "search",
    "billing",
    "queue",
    "store",
    "frontend",
    "backend",
    "scheduler",
    "exporter",
    "agent",
    "collector",
    "relay",
    "web",
    "admin",
    "portal",
    "notifier",
    "indexer",
    "sync",
];
const KEYS: &[&str] = &[
    "enabled",
    "replicas",
    "port",
    "host",
    "path",
    "timeout",
    "retries",
    "level",
    "mode",
    "size",
    "class",
    "name",
    "type",
    "annotations",
    "labels",
    "config",
    "extraArgs",
    "persistence",
    "service",
    "ingress",
    "resources",
    "limits",
    "requests",
    "cpu",
    "memory",
    "nodeSelector",
    "tolerations",
    "affinity",
    "env",
    "secrets",
    "storage",
    "logging",
    "probe",
    "interval",
    "threshold",
    "schedule",
    "backup",
    "database",
];
const REGISTRIES: &[&str] = &[
    "docker.io/library",
    "quay.io/prometheus",
    "ghcr.io/acme",
    "gcr.io/acme-prod",
    "registry.example.com/team",
    "docker.io/bitnami",
    "k8s.gcr.io",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/apps",
];
const FILTERS: &[&str] = &[
    "semver:~1.2",
    "glob:v*",
    "regexp:^[0-9]+\\.[0-9]+\\.[0-9]+$",
    "semver:>=2.0.0 <3.0.0",
    "glob:master-*",
    "regex:^prod-[a-f0-9]{7}$",
];

fn helm_repos() -> Vec<String> {
    let mut v = vec![
        "https://kubernetes-charts.storage.googleapis.com".to_string(),
        "https://charts.bitnami.com/bitnami".to_string(),
        "https://charts.jetstack.io".to_string(),
        "https://prometheus-community.github.io/helm-charts".to_string(),
        "https://kubernetes.github.io/ingress-nginx".to_string(),
        "https://grafana.github.io/helm-charts".to_string(),
    ];
    for i in 0..14 {
        v.push(format!("https://charts{i}.example.org/stable"));
    }
    v
}

fn word(r: &mut Rng) -> &'static str {
    *r.pick(WORDS)
}

fn image(r: &mut Rng) -> (String, String) {
    let repo = format!("{}/{}-{}", r.pick(REGISTRIES), word(r), word(r));
    let tag = format!("{}.{}.{}", r.range(0, 4), r.range(0, 30), r.range(0, 20));
    (repo, tag)
}

fn scalar(r: &mut Rng) -> String {
    match r.range(0, 9) {
        0 => "true".into(),
        1 => "false".into(),
        2 => format!("{}", r.range(0, 65535)),
        3 => format!("\"{}-{}\"", word(r), r.range(1, 999)),
        4 => format!("'{}.{}.svc.cluster.local'", word(r), word(r)),
        5 => format!("{}Mi", r.range(1, 64) * 64),
        6 => format!("{}m", r.range(1, 40) * 50),
        7 => format!("https://{}.example.com/{}", word(r), word(r)),
        _ => format!("{}-{}", word(r), word(r)),
    }
}

/// Appends about `budget` lines of block-style values at `indent`; returns lines used.
fn values_block(
    r: &mut Rng,
    out: &mut String,
    indent: usize,
    budget: usize,
    depth: usize,
) -> usize {
    let pad = " ".repeat(indent);
    let mut used = 0;
    let mut seen: Vec<&str> = Vec::new();
    let mut k = 0;
    while used < budget {
        k += 1;
        // Keys are unique within a mapping (a duplicate key is an error in fluxport).
        let base = *r.pick(KEYS);
        let key = if seen.contains(&base) {
            format!("{base}{k}")
        } else {
            base.to_string()
        };
        seen.push(base);
        let roll = r.range(0, 99);
        if roll < 8 {
            let _ = writeln!(
                out,
                "{pad}# {} {} for the {} {}",
                word(r),
                word(r),
                word(r),
                word(r)
            );
            used += 1;
        } else if roll < 18 && budget - used >= 3 {
            let (repo, tag) = image(r);
            let _ = writeln!(
                out,
                "{pad}{key}Image:\n{pad}  repository: {repo}\n{pad}  tag: {tag}"
            );
            if r.chance(30) {
                let _ = writeln!(out, "{pad}  pullPolicy: IfNotPresent");
                used += 1;
            }
            used += 3;
        } else if roll < 26 && budget - used >= 3 {
            let n = r.range(1, 4.min(budget - used - 1));
            let _ = writeln!(out, "{pad}{key}:");
            for _ in 0..n {
                let _ = writeln!(out, "{pad}- {}", scalar(r));
            }
            used += n + 1;
        } else if roll < 30 && budget - used >= 4 {
            let _ = writeln!(out, "{pad}{key}: |");
            let n = r.range(2, 5.min(budget - used - 1));
            for _ in 0..n {
                let _ = writeln!(out, "{pad}  {} = {}", word(r), scalar(r));
            }
            used += n + 1;
        } else if roll < 55 && depth < 4 && budget - used >= 4 {
            let _ = writeln!(out, "{pad}{key}:");
            let sub = r.range(2, (budget - used - 1).min(30));
            used += 1 + values_block(r, out, indent + 2, sub, depth + 1);
        } else {
            let c = if r.chance(10) {
                "  # tuned for prod"
            } else {
                ""
            };
            let _ = writeln!(out, "{pad}{key}: {}{c}", scalar(r));
            used += 1;
        }
    }
    used
}

fn helm_release(r: &mut Rng, out: &mut String, cluster: usize, i: usize, repos: &[String]) {
    let name = format!("{}-{}-{i}", word(r), word(r));
    let ns = *r.pick(&["default", "apps", "monitoring", "infra", "data"]);
    let (main_repo, main_tag) = image(r);
    let _ = writeln!(out, "# HelmRelease {name} of cluster c{cluster:02}");
    out.push_str("---\napiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n");
    let _ = writeln!(out, "  name: {name}\n  namespace: {ns}\n  annotations:");
    let _ = writeln!(out, "    fluxcd.io/automated: \"true\"");
    let _ = writeln!(out, "    filter.fluxcd.io/chart-image: {}", r.pick(FILTERS));
    if r.chance(40) {
        let _ = writeln!(out, "    filter.fluxcd.io/sidecar: {}", r.pick(FILTERS));
    }
    out.push_str("spec:\n");
    let _ = writeln!(out, "  releaseName: {name}");
    if r.chance(30) {
        out.push_str("  helmVersion: v3\n");
    }
    out.push_str("  chart:\n");
    if r.chance(12) {
        let _ = writeln!(
            out,
            "    git: git@github.com:acme/charts-{}\n    ref: {}\n    path: charts/{}",
            r.range(0, 3),
            r.pick(&["master", "main", "v1.2.0"]),
            word(r)
        );
    } else {
        let _ = writeln!(
            out,
            "    repository: {}/\n    name: {}\n    version: {}.{}.{}",
            r.pick(repos),
            word(r),
            r.range(0, 9),
            r.range(0, 20),
            r.range(0, 9)
        );
    }
    out.push_str("  values:\n");
    let _ = writeln!(
        out,
        "    image:\n      repository: {main_repo}\n      tag: {main_tag}"
    );
    if r.chance(40) {
        let (sr, st) = image(r);
        let _ = writeln!(
            out,
            "    sidecar:\n      image:\n        repository: {sr}\n        tag: {st}"
        );
    }
    let budget = if r.chance(10) {
        r.range(150, 290)
    } else {
        r.range(5, 220)
    };
    values_block(r, out, 4, budget, 0);
}

fn deployment(r: &mut Rng, out: &mut String, i: usize) {
    let name = format!("{}-{}-d{i}", word(r), word(r));
    let ns = *r.pick(&["default", "apps", "web", "jobs"]);
    out.push_str("---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n");
    let _ = writeln!(
        out,
        "  name: {name}\n  namespace: {ns}\n  annotations:\n    fluxcd.io/automated: \"true\""
    );
    let containers = r.range(1, 3);
    let cnames: Vec<String> = (0..containers).map(|c| format!("{}{c}", word(r))).collect();
    for c in &cnames {
        if r.chance(70) {
            let _ = writeln!(out, "    filter.fluxcd.io/{c}: {}", r.pick(FILTERS));
        }
    }
    let _ = writeln!(out, "  labels:\n    app: {name}\nspec:\n  replicas: {}\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:", r.range(1, 5));
    for c in &cnames {
        let (repo, tag) = image(r);
        let _ = writeln!(out, "      - name: {c}\n        image: {repo}:{tag}\n        ports:\n        - containerPort: {}\n        resources:\n          requests:\n            cpu: {}m\n            memory: {}Mi", r.range(1000, 9000), r.range(1, 20) * 50, r.range(1, 16) * 64);
        if r.chance(50) {
            let _ = writeln!(
                out,
                "        env:\n        - name: LOG_LEVEL\n          value: {}",
                r.pick(&["info", "debug", "warn"])
            );
        }
    }
}

fn fluxd(out: &mut String, cluster: usize) {
    let _ = write!(out, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: flux\n  namespace: flux\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      name: flux\n  template:\n    metadata:\n      labels:\n        name: flux\n    spec:\n      serviceAccountName: flux\n      containers:\n      - name: flux\n        image: docker.io/fluxcd/flux:1.21.1\n        args:\n        - --memcached-service=\n        - --ssh-keygen-dir=/var/fluxd/keygen\n        - --git-url=git@github.com:acme/fleet\n        - --git-branch=master\n        - --git-path=clusters/c{cluster:02}\n        - --git-label=flux-c{cluster:02}\n        - --git-poll-interval=2m\n        - --sync-garbage-collection\n");
}

fn helm_operator(out: &mut String) {
    out.push_str("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: helm-operator\n  namespace: flux\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: helm-operator\n  template:\n    metadata:\n      labels:\n        app: helm-operator\n    spec:\n      serviceAccountName: helm-operator\n      containers:\n      - name: flux-helm-operator\n        image: docker.io/fluxcd/helm-operator:1.4.4\n        args:\n        - --enabled-helm-versions=v2,v3\n        - --git-timeout=20s\n        - --charts-sync-interval=3m\n");
}

/// The synthetic repository: sorted `(path, text)` pairs.
pub fn generate(scale: usize, seed: u64) -> Vec<(String, String)> {
    let mut r = Rng::new(seed);
    let repos = helm_repos();
    let mut files = Vec::new();
    for cluster in 0..scale.max(1) * CLUSTERS_PER_SCALE {
        let dir = format!("clusters/c{cluster:02}");
        let mut s = String::new();
        fluxd(&mut s, cluster);
        files.push((format!("{dir}/flux/fluxd.yaml"), s));
        let mut s = String::new();
        helm_operator(&mut s);
        files.push((format!("{dir}/flux/helm-operator.yaml"), s));
        for i in 0..RELEASES_PER_CLUSTER {
            let mut s = String::new();
            helm_release(&mut r, &mut s, cluster, i, &repos);
            files.push((format!("{dir}/releases/hr-{i:03}.yaml"), s));
        }
        // Deployments: ten per file, several documents each.
        for f in 0..DEPLOYMENTS_PER_CLUSTER / 10 {
            let mut s = String::new();
            for i in 0..10 {
                deployment(&mut r, &mut s, f * 10 + i);
            }
            files.push((format!("{dir}/apps/apps-{f:02}.yaml"), s));
        }
    }
    files.sort();
    files
}

/// All files concatenated into one multi-document stream (the "1 MB paste" case uses
/// a prefix of this, cut at a document boundary).
pub fn concatenated(files: &[(String, String)], max_bytes: usize) -> String {
    let mut out = String::new();
    for (_, t) in files {
        if out.len() + t.len() > max_bytes && !out.is_empty() {
            break;
        }
        if !out.is_empty() {
            out.push_str("---\n");
        }
        out.push_str(t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_sized() {
        let a = generate(1, DEFAULT_SEED);
        let b = generate(1, DEFAULT_SEED);
        assert_eq!(a, b);
        let bytes: usize = a.iter().map(|(_, t)| t.len()).sum();
        assert!((3_500_000..7_000_000).contains(&bytes), "{bytes}");
        let hrs = a
            .iter()
            .filter(|(_, t)| t.contains("kind: HelmRelease"))
            .count();
        assert_eq!(hrs, 1000);
    }
}
