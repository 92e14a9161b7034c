//! Building a kustomization directory: accumulate the resources (bases and
//! components first, memoised per directory), then run this kustomization's
//! transformers in kustomize's order and record which patch hit which object.

use super::regex::Regex;
use super::selector::LabelSelector;
use super::*;

/// kyaml's namespace for cluster-scoped ids (`resid.TotallyNotANamespace`).
const NO_NAMESPACE: &str = "_non_namespaceable_";
/// Selector evaluations (object × patch) allowed per model before matching stops.
const MATCH_BUDGET: usize = 50_000_000;
const MAX_PROBLEMS: usize = 1000;

/// A patch document of one kustomization: `kustomization` id, index into its
/// [`Kustomization::patches`], and index into that patch's [`Patch::docs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PatchHit {
    pub kustomization: usize,
    pub patch: usize,
    pub doc: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Matched,
    /// A strategic-merge patch without target matched nothing: `kustomize build` fails.
    NoTarget,
    /// The selector matched nothing: kustomize silently applies nothing.
    NothingSelected,
    /// A strategic-merge patch without target matched several objects: kustomize fails.
    Ambiguous,
    /// The patch or its selector is unusable (see [`Patch::error`]).
    Invalid,
}

/// One patch document applied in a build.
#[derive(Debug, Clone)]
pub struct Application {
    pub hit: PatchHit,
    /// Indices into [`Build::objects`].
    pub targets: Vec<usize>,
    pub outcome: Outcome,
}

/// One object of a build: a resource document as the build emits it.
#[derive(Debug, Clone)]
pub struct BuiltObject {
    pub source: ObjectRef,
    pub api_version: String,
    pub kind: String,
    /// Effective name after prefixes, suffixes and identity patches.
    pub name: String,
    /// Effective `metadata.namespace`; `None` when unset (the applier's default
    /// namespace) or cluster-scoped.
    pub namespace: Option<String>,
    pub original_name: String,
    pub original_namespace: Option<String>,
    pub cluster_scoped: bool,
    /// Labels and annotations after commonLabels/labels/commonAnnotations.
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    /// Kustomizations that included the object, innermost (the one listing the
    /// file) first, ending with the built one.
    pub via: Vec<usize>,
    /// (kustomization id, index into its `resources`) of the entry that loaded the file.
    pub entry: (usize, usize),
    /// Patch documents applied to the object, in application order.
    pub patches: Vec<PatchHit>,
    /// `$patch: delete` removed the object from the build.
    pub deleted_by: Option<PatchHit>,
    /// Previous (effective namespace, name) ids, oldest first (kustomize's
    /// `config.kubernetes.io/previousNames`/`previousNamespaces`).
    prev: Vec<(String, String)>,
}

impl BuiltObject {
    fn eff_ns(&self) -> String {
        eff_ns(self.cluster_scoped, self.namespace.as_deref())
    }
    fn org(&self) -> (String, String) {
        self.prev
            .first()
            .cloned()
            .unwrap_or_else(|| (self.eff_ns(), self.name.clone()))
    }
    fn store_prev(&mut self) {
        let id = (self.eff_ns(), self.name.clone());
        self.prev.push(id);
    }
    fn group_version(&self) -> (&str, &str) {
        self.api_version
            .split_once('/')
            .unwrap_or(("", self.api_version.as_str()))
    }
}

fn eff_ns(cluster_scoped: bool, ns: Option<&str>) -> String {
    match ns {
        _ if cluster_scoped => NO_NAMESPACE.to_string(),
        None | Some("") => "default".to_string(),
        Some(n) => n.to_string(),
    }
}

/// The result of building one kustomization directory.
#[derive(Debug, Clone, Default)]
pub struct Build {
    pub dir: String,
    pub kustomization: usize,
    /// Every object, including ones deleted by `$patch: delete` (see [`Build::live`]).
    pub objects: Vec<BuiltObject>,
    /// Every patch document applied, at every level of the build.
    pub applications: Vec<Application>,
    /// (kustomization id, resources/components entry) of remote entries: what a
    /// real build would add is unknown.
    pub remote: Vec<(usize, usize)>,
    pub problems: Vec<Problem>,
    /// False when something was cut (cycle, depth, size, remote entry).
    pub complete: bool,
}

impl Build {
    /// The objects the build emits.
    pub fn live(&self) -> impl Iterator<Item = &BuiltObject> {
        self.objects.iter().filter(|o| o.deleted_by.is_none())
    }
    /// Every inclusion of a source document in the build.
    pub fn find(&self, source: ObjectRef) -> impl Iterator<Item = &BuiltObject> {
        self.live().filter(move |o| o.source == source)
    }
    /// The patches applied to a source document in this build.
    pub fn patches_for(&self, source: ObjectRef) -> Vec<PatchHit> {
        let mut v: Vec<PatchHit> = self
            .objects
            .iter()
            .filter(|o| o.source == source)
            .flat_map(|o| o.patches.iter().copied())
            .collect();
        v.dedup();
        v
    }
    /// Live objects of a kind, e.g. `"HelmRelease"`.
    pub fn of_kind<'b>(&'b self, kind: &'b str) -> impl Iterator<Item = &'b BuiltObject> + 'b {
        self.live().filter(move |o| o.kind == kind)
    }
}

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
        let ok = |r: &Option<Regex>, a: &str, b: &str| {
            r.as_ref()
                .is_none_or(|r| r.full_match(a) || r.full_match(b))
        };
        let (g, v) = o.group_version();
        ok(&self.namespace, &org_ns, &o.eff_ns())
            && ok(&self.name, &org_name, &o.name)
            && ok(&self.group, g, g)
            && ok(&self.version, v, v)
            && ok(&self.kind, &o.kind, &o.kind)
            && self.labels.as_ref().is_none_or(|l| l.matches(&o.labels))
            && self
                .annotations
                .as_ref()
                .is_none_or(|l| l.matches(&o.annotations))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Todo,
    Running,
    Done,
}

struct Builder<'m, 'a> {
    kusts: &'m [Kustomization<'a>],
    by_dir: &'m HashMap<String, usize>,
    files: &'m [RepoFile<'a>],
    state: Vec<State>,
    builds: Vec<Build>,
    stack: Vec<usize>,
    budget: usize,
}

/// Builds every kustomization (each once; included builds are reused).
pub(crate) fn build_all(
    kusts: &[Kustomization<'_>],
    by_dir: &HashMap<String, usize>,
    files: &[RepoFile<'_>],
) -> Vec<Build> {
    let mut b = Builder {
        kusts,
        by_dir,
        files,
        state: vec![State::Todo; kusts.len()],
        builds: vec![Build::default(); kusts.len()],
        stack: Vec::new(),
        budget: MATCH_BUDGET,
    };
    for k in 0..kusts.len() {
        b.ensure(k);
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

    fn ensure(&mut self, k: usize) {
        if self.state[k] != State::Todo {
            return;
        }
        self.state[k] = State::Running;
        self.stack.push(k);
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
        self.stack.pop();
        self.builds[k] = acc;
        self.state[k] = State::Done;
    }

    /// Can `target` be entered from the current stack? Reports cycles and depth.
    fn enter(&self, acc: &mut Build, from: usize, target: usize, node: &Node) -> bool {
        if let Some(pos) = self.stack.iter().position(|&s| s == target) {
            let mut chain: Vec<&str> = self.stack[pos..]
                .iter()
                .map(|&s| self.kusts[s].dir.as_str())
                .collect();
            chain.push(&self.kusts[target].dir);
            self.problem(
                acc,
                ProblemKind::Cycle,
                from,
                Some(node),
                format!("cycle: {}", chain.join(" -> ")),
            );
            acc.complete = false;
            return false;
        }
        if self.stack.len() >= MAX_DEPTH {
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
        true
    }

    fn room(&self, acc: &mut Build, k: usize, adding: usize) -> bool {
        if acc.objects.len() + adding > MAX_OBJECTS {
            if acc.complete || !acc.problems.iter().any(|p| p.kind == ProblemKind::TooLarge) {
                self.problem(
                    acc,
                    ProblemKind::TooLarge,
                    k,
                    None,
                    format!("build cut at {MAX_OBJECTS} objects"),
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
        let kust = &self.kusts[k];
        for (ei, e) in kust.resources.iter().enumerate() {
            match &e.resolved {
                Resolved::File(f) => self.load_file(acc, k, ei, *f),
                Resolved::Dir(d) => {
                    let Some(&child) = self.by_dir.get(d) else {
                        continue;
                    };
                    if child == k {
                        self.problem(
                            acc,
                            ProblemKind::Cycle,
                            k,
                            Some(e.node),
                            format!("cycle: {d} includes itself"),
                        );
                        acc.complete = false;
                        continue;
                    }
                    if self.kusts[child].kind == KustKind::Component {
                        self.problem(
                            acc,
                            ProblemKind::KindMismatch,
                            k,
                            Some(e.node),
                            format!("{d} is a Component listed as a resource"),
                        );
                    }
                    if !self.enter(acc, k, child, e.node) {
                        continue;
                    }
                    self.ensure(child);
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
                    if c == k || !self.enter(acc, k, c, e.node) {
                        if c == k {
                            self.problem(
                                acc,
                                ProblemKind::Cycle,
                                k,
                                Some(e.node),
                                format!("cycle: {d} includes itself"),
                            );
                        }
                        acc.complete = false;
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
        let skip_rename = |o: &BuiltObject| {
            o.kind == "CustomResourceDefinition"
                || o.kind == "Namespace"
                || (o.kind == "APIService" && o.group_version().0 == "apiregistration.k8s.io")
        };
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
                    && ((o.name == d.name && o.eff_ns() == ns)
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
