//! Building a kustomization directory: accumulate the resources (bases and
//! components first, memoised per directory), then run this kustomization's
//! transformers in kustomize's order and record which patch hit which object.

use super::output::eff_ns;
use super::output::*;
use super::regex::Regex;
use super::selector::LabelSelector;
use super::*;

/// Selector evaluations (object × patch) allowed per model before matching stops.
const MATCH_BUDGET: usize = 50_000_000;
const MAX_PROBLEMS: usize = 1000;

#[derive(Debug, Clone)]
pub(crate) struct CompiledSelector {
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Option<LabelSelector>,
    annotations: Option<LabelSelector>,
}

pub(crate) fn compile_selector(s: &Selector<'_>) -> Result<CompiledSelector, String> {
    let re = |p: &Option<String>| -> Result<Option<Regex>, String> {
        p.as_deref()
            .map(|p| Regex::new(p).map_err(|e| format!("regexp {p:?}: {e}")))
            .transpose()
    };
    let ls = |p: &Option<String>| -> Result<Option<LabelSelector>, String> {
        p.as_deref()
            .map(|p| LabelSelector::parse(p).map_err(|e| format!("selector {p:?}: {e}")))
            .transpose()
    };
    Ok(CompiledSelector {
        group: re(&s.group)?,
        version: re(&s.version)?,
        kind: re(&s.kind)?,
        name: re(&s.name)?,
        namespace: re(&s.namespace)?,
        labels: ls(&s.label_selector)?,
        annotations: ls(&s.annotation_selector)?,
    })
}

impl CompiledSelector {
    /// kustomize `resWrangler.Select`: namespace and name match the original or the
    /// current id; group/version/kind, labels and annotations the current object.
    fn selects(&self, o: &BuiltObject) -> bool {
        let (org_ns, org_name) = o.org();
        self.selects_id(&SelectedId {
            api_version: &o.api_version,
            kind: &o.kind,
            names: [&org_name, &o.name],
            namespaces: [&org_ns, o.ns_key()],
            labels: &o.labels,
            annotations: &o.annotations,
        })
    }
    /// The rule of [`Self::selects`] on an object described by its parts.
    pub(crate) fn selects_id(&self, o: &SelectedId) -> bool {
        let ok = |r: &Option<Regex>, [a, b]: [&str; 2]| {
            r.as_ref()
                .is_none_or(|r| r.full_match(a) || r.full_match(b))
        };
        let (g, v) = o.api_version.split_once('/').unwrap_or(("", o.api_version));
        ok(&self.namespace, o.namespaces)
            && ok(&self.name, o.names)
            && ok(&self.group, [g, g])
            && ok(&self.version, [v, v])
            && ok(&self.kind, [o.kind, o.kind])
            && self.labels.as_ref().is_none_or(|l| l.matches(o.labels))
            && self
                .annotations
                .as_ref()
                .is_none_or(|l| l.matches(o.annotations))
    }
}

/// Kinds kustomize's prefix/suffix transformer leaves alone
/// (`prefixSuffixFieldSpecsToSkip`: CustomResourceDefinition, APIService, Namespace).
pub fn keeps_name(api_version: &str, kind: &str) -> bool {
    kind == "CustomResourceDefinition"
        || kind == "Namespace"
        || (kind == "APIService" && api_version.starts_with("apiregistration.k8s.io/"))
}

/// What a selector matches: names and namespaces are (original, current); the
/// namespace of a cluster-scoped object is kustomize's `~X` (see `ns_key`).
pub(crate) struct SelectedId<'s> {
    pub api_version: &'s str,
    pub kind: &'s str,
    pub names: [&'s str; 2],
    pub namespaces: [&'s str; 2],
    pub labels: &'s [(String, String)],
    pub annotations: &'s [(String, String)],
}

impl Selector<'_> {
    /// Whether the selector matches the object; `None` when it does not compile.
    pub(crate) fn selects(&self, o: &SelectedId) -> Option<bool> {
        self.compiled.as_ref().map(|c| c.selects_id(o))
    }
}

struct Builder<'m, 'a> {
    kusts: &'m [Kustomization<'a>],
    by_dir: &'m HashMap<String, usize>,
    files: &'m [RepoFile<'a>],
    done: Vec<bool>,
    /// Longest include chain below each kustomization (itself counts 1).
    height: Vec<usize>,
    /// Back edges found by the graph walk: (from, to) -> the cycle, as dirs.
    cycles: HashMap<(usize, usize), String>,
    builds: Vec<Build>,
    /// Components being applied (components include components).
    stack: Vec<usize>,
    budget: usize,
    /// Objects held by finished builds (bounded by [`MAX_TOTAL_OBJECTS`]).
    stored: usize,
}

/// Builds every kustomization (each once; included builds are reused).
pub(crate) fn build_all(
    kusts: &[Kustomization<'_>],
    by_dir: &HashMap<String, usize>,
    files: &[RepoFile<'_>],
) -> Vec<Build> {
    let (order, cycles) = graph::post_order(kusts, by_dir);
    let mut b = Builder {
        kusts,
        by_dir,
        files,
        done: vec![false; kusts.len()],
        height: vec![1; kusts.len()],
        cycles,
        builds: vec![Build::default(); kusts.len()],
        stack: Vec::new(),
        budget: MATCH_BUDGET,
        stored: 0,
    };
    // Post-order: every kustomization is built after what it includes (except
    // along a cycle), so nothing recurses and each directory is built once.
    for k in order {
        b.build(k);
    }
    b.builds
}

fn push_problem(acc: &mut Build, p: Problem) {
    if acc.problems.len() < MAX_PROBLEMS && !acc.problems.contains(&p) {
        acc.problems.push(p);
    }
}

impl Builder<'_, '_> {
    fn problem(
        &self,
        acc: &mut Build,
        kind: ProblemKind,
        k: usize,
        node: Option<&Node>,
        message: String,
    ) {
        let file = self.kusts[k].file;
        let (line, col) = node.map_or((1, 1), |n| (n.line(), n.col()));
        push_problem(
            acc,
            Problem {
                kind,
                file,
                line,
                col,
                message,
            },
        );
    }

    fn build(&mut self, k: usize) {
        let mut acc = Build {
            dir: self.kusts[k].dir.clone(),
            kustomization: k,
            complete: true,
            ..Build::default()
        };
        self.accumulate(k, &mut acc);
        for o in &mut acc.objects {
            if o.via.last() != Some(&k) {
                o.via.push(k);
            }
        }
        self.stored += acc.objects.len();
        self.builds[k] = acc;
        self.done[k] = true;
    }

    /// Can `child` (included by `from`) be used? Reports cycles and depth.
    fn usable(&mut self, acc: &mut Build, from: usize, child: usize, node: &Node) -> bool {
        let cycle = if child == from || self.stack.contains(&child) {
            Some(format!("cycle: {} includes itself", self.kusts[child].dir))
        } else if !self.done[child] && self.kusts[child].kind != KustKind::Component {
            Some(self.cycles.get(&(from, child)).cloned().unwrap_or_else(|| {
                format!(
                    "cycle: {} -> {}",
                    self.kusts[from].dir, self.kusts[child].dir
                )
            }))
        } else {
            None
        };
        if let Some(message) = cycle {
            self.problem(acc, ProblemKind::Cycle, from, Some(node), message);
            acc.complete = false;
            return false;
        }
        let h = self.height[child];
        if h >= MAX_DEPTH || self.stack.len() >= MAX_DEPTH {
            self.problem(
                acc,
                ProblemKind::TooDeep,
                from,
                Some(node),
                format!("more than {MAX_DEPTH} nested kustomizations"),
            );
            acc.complete = false;
            return false;
        }
        self.height[from] = self.height[from].max(h + 1);
        true
    }

    fn room(&self, acc: &mut Build, k: usize, adding: usize) -> bool {
        let after = acc.objects.len() + adding;
        if after > MAX_OBJECTS || self.stored + after > MAX_TOTAL_OBJECTS {
            if !acc.problems.iter().any(|p| p.kind == ProblemKind::TooLarge) {
                self.problem(
                    acc,
                    ProblemKind::TooLarge,
                    k,
                    None,
                    format!("build cut at {MAX_OBJECTS} objects per build, {MAX_TOTAL_OBJECTS} in all builds"),
                );
            }
            acc.complete = false;
            return false;
        }
        true
    }

    /// Resources, then components, then this kustomization's transformers
    /// (`api/internal/target/kusttarget.go#accumulateTarget`).
    fn accumulate(&mut self, k: usize, acc: &mut Build) {
        let kust: &Kustomization<'_> = &self.kusts[k];
        for p in &kust.problems {
            push_problem(acc, p.clone());
        }
        for (ei, e) in kust.resources.iter().enumerate() {
            match &e.resolved {
                Resolved::File(f) => self.load_file(acc, k, ei, *f),
                Resolved::Dir(d) => {
                    let Some(&child) = self.by_dir.get(d) else {
                        continue;
                    };
                    if self.kusts[child].kind == KustKind::Component {
                        self.problem(
                            acc,
                            ProblemKind::KindMismatch,
                            k,
                            Some(e.node),
                            format!("{d} is a Component listed as a resource"),
                        );
                    }
                    if !self.usable(acc, k, child, e.node) {
                        continue;
                    }
                    self.merge(acc, k, child);
                }
                Resolved::Remote => {
                    acc.remote.push((k, ei));
                    acc.complete = false;
                }
                _ => acc.complete = false,
            }
        }
        for e in &kust.components {
            match &e.resolved {
                Resolved::Dir(d) => {
                    let Some(&c) = self.by_dir.get(d) else {
                        continue;
                    };
                    if self.kusts[c].kind != KustKind::Component {
                        self.problem(
                            acc,
                            ProblemKind::KindMismatch,
                            k,
                            Some(e.node),
                            format!("{d} is listed as a component but is a Kustomization"),
                        );
                    }
                    if !self.usable(acc, k, c, e.node) {
                        continue;
                    }
                    // A component works on the including kustomization's accumulator.
                    self.stack.push(c);
                    self.accumulate(c, acc);
                    self.stack.pop();
                }
                Resolved::Remote => {
                    acc.remote.push((k, usize::MAX));
                    acc.complete = false;
                }
                _ => acc.complete = false,
            }
        }
        self.transform(k, acc);
        self.check_duplicates(k, acc);
    }

    fn merge(&self, acc: &mut Build, k: usize, child: usize) {
        let cb = &self.builds[child];
        if !self.room(acc, k, cb.objects.len()) {
            return;
        }
        let offset = acc.objects.len();
        acc.objects.extend(cb.objects.iter().cloned());
        acc.applications
            .extend(cb.applications.iter().map(|a| Application {
                hit: a.hit,
                targets: a.targets.iter().map(|t| t + offset).collect(),
                outcome: a.outcome,
            }));
        acc.remote.extend(cb.remote.iter().copied());
        acc.complete &= cb.complete;
        for p in &cb.problems {
            push_problem(acc, p.clone());
        }
    }

    fn load_file(&self, acc: &mut Build, k: usize, ei: usize, f: usize) {
        let docs = &self.files[f].docs;
        if !self.room(acc, k, docs.len()) {
            return;
        }
        for (di, root) in docs.iter().enumerate() {
            if root.is_null() || !root.is_map() {
                continue;
            }
            let s = |n: Option<&Node>| n.and_then(Node::as_str).unwrap_or("").to_string();
            let api_version = s(root.get("apiVersion"));
            let kind = s(root.get("kind"));
            let name = s(root.path(&["metadata", "name"]));
            let namespace = root
                .path(&["metadata", "namespace"])
                .and_then(Node::as_str)
                .filter(|n| !n.is_empty())
                .map(str::to_string);
            let pairs = |n: Option<&Node>| -> Vec<(String, String)> {
                n.map(|m| {
                    m.entries()
                        .iter()
                        .map(|e| (s(Some(&e.key)), s(Some(&e.value))))
                        .collect()
                })
                .unwrap_or_default()
            };
            acc.objects.push(BuiltObject {
                source: ObjectRef { file: f, doc: di },
                cluster_scoped: is_cluster_scoped(&api_version, &kind),
                api_version,
                kind,
                original_name: name.clone(),
                original_namespace: namespace.clone(),
                name,
                namespace,
                labels: pairs(root.path(&["metadata", "labels"])),
                annotations: pairs(root.path(&["metadata", "annotations"])),
                via: vec![k],
                entry: (k, ei),
                patches: Vec::new(),
                deleted_by: None,
                prev: Vec::new(),
            });
        }
    }

    /// `configureBuiltinTransformers` order: patchesStrategicMerge, patches,
    /// namespace, namePrefix, nameSuffix, labels, annotations, patchesJson6902.
    fn transform(&mut self, k: usize, acc: &mut Build) {
        let kust = &self.kusts[k];
        for (pi, p) in kust.patches.iter().enumerate() {
            if p.field == Field::PatchesStrategicMerge {
                self.apply_patch(k, pi, acc);
            }
        }
        for (pi, p) in kust.patches.iter().enumerate() {
            if p.field == Field::Patches {
                self.apply_patch(k, pi, acc);
            }
        }
        if let Some(ns) = &kust.namespace {
            for o in acc.objects.iter_mut().filter(|o| o.deleted_by.is_none()) {
                o.store_prev();
                if !o.cluster_scoped {
                    o.namespace = Some(ns.value.clone());
                }
                // The namespace field spec `metadata/name` of kind Namespace
                // (apiVersion v1 only) renames Namespace objects.
                if o.kind == "Namespace" && o.api_version == "v1" {
                    o.name = ns.value.clone();
                }
            }
        }
        let skip_rename = |o: &BuiltObject| keeps_name(&o.api_version, &o.kind);
        for (setting, prefix) in [(&kust.name_prefix, true), (&kust.name_suffix, false)] {
            let Some(s) = setting else { continue };
            for o in acc
                .objects
                .iter_mut()
                .filter(|o| o.deleted_by.is_none() && !skip_rename(o))
            {
                o.store_prev();
                o.name = if prefix {
                    format!("{}{}", s.value, o.name)
                } else {
                    format!("{}{}", o.name, s.value)
                };
            }
        }
        for (set, pairs) in [(true, &kust.labels), (false, &kust.annotations)] {
            if pairs.is_empty() {
                continue;
            }
            for o in acc.objects.iter_mut().filter(|o| o.deleted_by.is_none()) {
                let target = if set {
                    &mut o.labels
                } else {
                    &mut o.annotations
                };
                for (key, v) in pairs {
                    target.retain(|(tk, _)| tk != key);
                    target.push((key.clone(), v.clone()));
                }
            }
        }
        for (pi, p) in kust.patches.iter().enumerate() {
            if p.field == Field::PatchesJson6902 {
                self.apply_patch(k, pi, acc);
            }
        }
    }

    fn apply_patch(&mut self, k: usize, pi: usize, acc: &mut Build) {
        let p = &self.kusts[k].patches[pi];
        let hit = |doc| PatchHit {
            kustomization: k,
            patch: pi,
            doc,
        };
        let invalid_selector = p.target.as_ref().is_some_and(|t| t.compiled.is_none());
        if p.docs.is_empty() || invalid_selector {
            acc.applications.push(Application {
                hit: hit(0),
                targets: Vec::new(),
                outcome: Outcome::Invalid,
            });
            return;
        }
        match &p.target {
            Some(t) => {
                let Some(sel) = &t.compiled else { return };
                let live = acc
                    .objects
                    .iter()
                    .filter(|o| o.deleted_by.is_none())
                    .count();
                if self.budget < live {
                    self.problem(
                        acc,
                        ProblemKind::TooLarge,
                        k,
                        Some(p.node),
                        "patch matching budget exhausted".into(),
                    );
                    acc.complete = false;
                    return;
                }
                self.budget -= live;
                let targets: Vec<usize> = (0..acc.objects.len())
                    .filter(|&i| {
                        acc.objects[i].deleted_by.is_none() && sel.selects(&acc.objects[i])
                    })
                    .collect();
                // One entry with a target holds one SMP document or one JSON op list.
                let outcome = if p.error.is_some() {
                    Outcome::Invalid
                } else if targets.is_empty() && !acc.complete {
                    Outcome::Unknown
                } else if targets.is_empty() {
                    Outcome::NothingSelected
                } else {
                    Outcome::Matched
                };
                for &t in &targets {
                    self.hit(
                        acc,
                        t,
                        hit(0),
                        &p.docs[0],
                        p.format == PatchFormat::Json6902,
                    );
                }
                acc.applications.push(Application {
                    hit: hit(0),
                    targets,
                    outcome,
                });
            }
            None if p.format == PatchFormat::Json6902 => {
                acc.applications.push(Application {
                    hit: hit(0),
                    targets: Vec::new(),
                    outcome: Outcome::Invalid,
                });
            }
            None => {
                for (di, d) in p.docs.iter().enumerate() {
                    let targets = self.by_id(acc, d);
                    let outcome = match targets.len() {
                        0 if !acc.complete => Outcome::Unknown,
                        0 => {
                            self.problem(
                                acc,
                                ProblemKind::PatchNoMatch,
                                k,
                                Some(p.node),
                                format!("no resource matches patch {} {}", d.kind, d.name),
                            );
                            Outcome::NoTarget
                        }
                        1 => Outcome::Matched,
                        _ => {
                            self.problem(
                                acc,
                                ProblemKind::PatchAmbiguous,
                                k,
                                Some(p.node),
                                format!("several resources match patch {} {}", d.kind, d.name),
                            );
                            Outcome::Ambiguous
                        }
                    };
                    if outcome == Outcome::Matched {
                        self.hit(acc, targets[0], hit(di), d, false);
                    }
                    acc.applications.push(Application {
                        hit: hit(di),
                        targets,
                        outcome,
                    });
                }
            }
        }
    }

    /// kustomize `GetById(patch.OrgId())`: same group/version/kind exactly, and the
    /// patch's (effective namespace, name) equal to the object's current id or any
    /// previous one.
    fn by_id(&mut self, acc: &Build, d: &PatchDoc) -> Vec<usize> {
        let ns = eff_ns(
            is_cluster_scoped(&d.api_version, &d.kind),
            d.namespace.as_deref(),
        );
        self.budget = self.budget.saturating_sub(acc.objects.len());
        (0..acc.objects.len())
            .filter(|&i| {
                let o = &acc.objects[i];
                o.deleted_by.is_none()
                    && o.kind == d.kind
                    && o.api_version == d.api_version
                    && ((o.name == d.name && o.ns_key() == ns)
                        || o.prev.iter().any(|(pns, pn)| *pn == d.name && *pns == ns))
            })
            .collect()
    }

    fn hit(&self, acc: &mut Build, t: usize, hit: PatchHit, d: &PatchDoc, json: bool) {
        let o = &mut acc.objects[t];
        o.patches.push(hit);
        if d.delete {
            o.deleted_by = Some(hit);
        }
        if json {
            // PatchTransformer/PatchJson6902Transformer store the previous id first.
            o.store_prev();
            for r in &d.renames {
                match r {
                    Rename::Name(n) => o.name = n.clone(),
                    Rename::Namespace(n) => o.namespace = Some(n.clone()),
                }
            }
        }
    }

    /// kustomize refuses two resources with one id (`may not add resource with an
    /// already registered id`, or `namespace transformation produces ID conflict`).
    fn check_duplicates(&self, k: usize, acc: &mut Build) {
        let mut seen: HashSet<(String, String, String, String)> = HashSet::new();
        let mut dups = Vec::new();
        for o in acc.live() {
            let key = (
                o.api_version.clone(),
                o.kind.clone(),
                o.eff_ns(),
                o.name.clone(),
            );
            if !seen.insert(key) {
                dups.push(format!(
                    "{} {}/{} ({})",
                    o.kind,
                    o.eff_ns(),
                    o.name,
                    self.files[o.source.file].path
                ));
            }
        }
        for d in dups.into_iter().take(20) {
            self.problem(
                acc,
                ProblemKind::DuplicateId,
                k,
                None,
                format!("{}: duplicate id {d}", self.kusts[k].dir),
            );
        }
    }
}
