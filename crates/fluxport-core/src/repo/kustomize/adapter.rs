//! The model over the loaded repository: [`model_of`] builds it once per conversion
//! from the loaded files, [`placements`] turns its root builds into the namespaces each
//! document has there.

use super::{Model, ObjectRef, RepoFile, Resolved};
use crate::model::codes::Code;
use crate::model::document::LoadedFile;
use crate::model::finding::Finding;
use crate::model::placement::Placement;
use crate::yaml::Node;
use std::collections::BTreeMap;

/// A null node, standing in for a document that did not parse (document indexes of
/// the model stay those of [`LoadedFile::docs`]).
pub fn null_node() -> Node {
    crate::yaml::parse_document("~", 4, 0)
        .ok()
        .and_then(|p| p.root)
        .expect("`~` parses")
}

/// The kustomization model of the loaded files (file and document indexes are those
/// of `files`). Files nothing may rewrite are given without documents.
pub fn model_of<'a>(files: &'a [LoadedFile], null: &'a Node) -> Model<'a> {
    let repo: Vec<RepoFile<'a>> = files
        .iter()
        .map(|f| RepoFile {
            path: &f.path,
            docs: if f.untouchable {
                Vec::new()
            } else {
                f.docs.iter().map(|d| d.root().unwrap_or(null)).collect()
            },
        })
        .collect();
    Model::new(&repo)
}

/// Records, for every document in the build of a `.flux.yaml` generator directory
/// (`dir/`, `""` for the root), the namespace fluxd gave it there.
pub fn mark_v1_builds(
    model: &Model,
    generator_dirs: &std::collections::BTreeSet<String>,
    placements: &mut BTreeMap<(usize, usize), Placement>,
) {
    for dir in generator_dirs {
        let Some(build) = model.build(dir.trim_end_matches('/')) else {
            continue;
        };
        for o in build.live().filter(|o| !o.cluster_scoped) {
            let ObjectRef { file, doc } = o.source;
            placements
                .entry((file, doc))
                .or_default()
                .v1_namespaces
                .insert(o.namespace.clone());
        }
    }
}

/// For every document in a kustomize build: its namespaces there.
pub fn placements(model: &Model) -> BTreeMap<(usize, usize), Placement> {
    let mut out: BTreeMap<(usize, usize), Placement> = BTreeMap::new();
    for k in 0..model.kustomizations().len() {
        let Some(build) = model.build_of(k) else {
            continue;
        };
        for o in build.live().filter(|o| !o.cluster_scoped) {
            let ObjectRef { file, doc } = o.source;
            let p = out.entry((file, doc)).or_default();
            p.all_namespaces.insert(o.namespace.clone());
        }
    }
    for &root in model.roots() {
        let Some(build) = model.build_of(root) else {
            continue;
        };
        for o in build.live() {
            if o.cluster_scoped {
                continue;
            }
            let ObjectRef { file, doc } = o.source;
            let p = out.entry((file, doc)).or_default();
            p.namespaces.insert(o.namespace.clone());
            if o.via.iter().any(|&k| model.sets_namespace(k).is_some()) {
                p.namespace_from_kustomization = true;
            }
        }
    }
    out
}

/// What the model could not load, said once per entry: remote bases (never fetched, so
/// nothing they bring is converted or checked; REMOTE_BASE) and entries naming nothing
/// in the input (kustomize fails on them before the migration already;
/// KUSTOMIZATION_ENTRY_MISSING).
pub fn entry_findings(model: &Model, files: &[LoadedFile]) -> Vec<Finding> {
    let mut out = Vec::new();
    let at = |k: usize, e: &super::Entry| {
        let kust = model.kustomization(k)?;
        let f = files.get(kust.file)?;
        Some((f, e.node.line() + f.first_root_line_offset(), e.node.col()))
    };
    for (k, e) in model.remote_entries() {
        if let Some((f, line, col)) = at(k, e) {
            out.push(Finding::new(
                Code::REMOTE_BASE,
                &f.path,
                line,
                col,
                format!(
                    "`{}` ({}) is remote: fluxport works offline and never fetches it, so the objects it brings are not converted or checked, and patches of them here stay as written",
                    e.value,
                    e.field.key()
                ),
            ));
        }
    }
    for (k, e) in model.missing_entries() {
        let why = match &e.resolved {
            Resolved::DirWithoutKustomization(d) => {
                format!("`{d}` is a directory without a kustomization file")
            }
            _ => "nothing in the input has this path".to_string(),
        };
        if let Some((f, line, col)) = at(k, e) {
            out.push(Finding::new(
                Code::KUSTOMIZATION_ENTRY_MISSING,
                &f.path,
                line,
                col,
                format!(
                    "`{}` ({}): {why}; `kustomize build` of this directory fails before the migration already, and nothing it would bring was converted",
                    e.value,
                    e.field.key()
                ),
            ));
        }
    }
    out
}
