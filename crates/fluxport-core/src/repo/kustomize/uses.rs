//! Which strategic-merge patch documents (given by file) apply to which source
//! documents, over every build, with the patch documents applied to that object
//! before them. The stages that convert patches (HelmRelease values, image
//! automation) compute a patch's effect from these: base, then the earlier patches,
//! then this one (kustomize applies a kustomization's patches in the order listed,
//! after the transformers of the bases it loads).

use super::{Model, ObjectRef, PatchFormat, Resolved};
use std::collections::{BTreeMap, BTreeSet};

/// One application of a patch document: the patched object's source document and
/// the strategic-merge patch documents (file, doc) applied to it before this one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PatchUse {
    /// The kustomization (or component) that lists the patch.
    pub kustomization: usize,
    pub target: ObjectRef,
    pub earlier: Vec<ObjectRef>,
}

impl Model<'_> {
    /// Every strategic-merge patch document given by path → its applications.
    /// Inline patches and JSON 6902 operations are not listed (they have no document
    /// of their own) and do not count as earlier patches.
    pub fn file_patch_uses(&self) -> BTreeMap<ObjectRef, BTreeSet<PatchUse>> {
        let mut out: BTreeMap<ObjectRef, BTreeSet<PatchUse>> = BTreeMap::new();
        for k in 0..self.kustomizations().len() {
            let Some(build) = self.build_of(k) else {
                continue;
            };
            for o in &build.objects {
                let mut earlier: Vec<ObjectRef> = Vec::new();
                for hit in &o.patches {
                    let Some(p) = self
                        .kustomization(hit.kustomization)
                        .and_then(|kust| kust.patches.get(hit.patch))
                    else {
                        continue;
                    };
                    if p.format != PatchFormat::StrategicMerge {
                        continue;
                    }
                    let file = match p.path.as_ref().map(|e| &e.resolved) {
                        Some(Resolved::File(f)) => *f,
                        _ => continue,
                    };
                    let Some(doc) = p.docs.get(hit.doc).and_then(|d| d.doc) else {
                        continue;
                    };
                    let me = ObjectRef { file, doc };
                    out.entry(me).or_default().insert(PatchUse {
                        kustomization: hit.kustomization,
                        target: o.source,
                        earlier: earlier.clone(),
                    });
                    earlier.push(me);
                }
            }
        }
        out
    }
}
