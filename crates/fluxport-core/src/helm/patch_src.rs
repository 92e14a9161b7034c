//! Where a kustomize patch's text lives, for `helm::patches`: a document of a patch
//! file, or inline text in a kustomization (`patches[].patch`, an inline
//! `patchesStrategicMerge` item), parsed once here. Also the v1 object a patch applies
//! to (the base with the earlier patches applied), findings at the patch, and the edit
//! that writes a converted inline patch back into its literal block scalar; and the
//! conversion of a patched v1 object ([`convert_v1`]) with the comparison both patch
//! forms check against ([`normalised`]).

use crate::helm::helmrelease::{self, V1Release};
use crate::helm::sources::{ResolvedSource, SourceSpec};
use crate::helm::{json6902, smp};
use crate::model::codes::Code;
use crate::model::context::doc_ref;
use crate::model::document::{DocKind, LoadedFile};
use crate::model::files::InputFile;
use crate::model::finding::Finding;
use crate::model::options::Options;
use crate::repo::kustomize::{Model, ObjectRef};
use crate::text::TextEdit;
use crate::yaml::emit::{self, from_json as json_out};
use crate::yaml::{to_json, Node, Style};
use serde_json::Value as J;
use std::collections::BTreeMap;

/// One patch document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    /// A document of a patch file: (file, document).
    File(usize, usize),
    /// Inline text: (kustomization id, patch index, index among its non-empty documents).
    Inline(usize, usize, usize),
}

/// The patch texts of a repository.
pub struct Sources<'f> {
    pub files: &'f [LoadedFile],
    model: &'f Model<'f>,
    /// Inline patch texts parsed as files: (kustomization id, patch index) → text.
    inline: BTreeMap<(usize, usize), LoadedFile>,
}

impl<'f> Sources<'f> {
    pub fn new(files: &'f [LoadedFile], model: &'f Model<'f>, opts: &Options) -> Sources<'f> {
        let mut inline = BTreeMap::new();
        let mut scratch = Vec::new();
        for (k, kust) in model.kustomizations().iter().enumerate() {
            for (pi, p) in kust.patches.iter().enumerate() {
                if let Some(text) = p.inline.and_then(Node::as_str) {
                    let input = InputFile::new("inline-patch.yaml", text.as_bytes().to_vec());
                    let lf = crate::repo::load::load_file(&input, &[], &opts.limits, &mut scratch);
                    inline.insert((k, pi), lf);
                }
            }
        }
        Sources {
            files,
            model,
            inline,
        }
    }

    /// The file holding the patch text and its document index.
    pub fn doc(&self, key: Key) -> Option<(&LoadedFile, usize)> {
        match key {
            Key::File(f, d) => Some((&self.files[f], d)),
            Key::Inline(k, p, d) => {
                let lf = self.inline.get(&(k, p))?;
                let (i, _) = lf
                    .docs
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| x.root().is_some_and(|r| !r.is_null()))
                    .nth(d)?;
                Some((lf, i))
            }
        }
    }

    pub fn root(&self, key: Key) -> Option<&Node> {
        let (f, d) = self.doc(key)?;
        f.docs[d].root()
    }

    /// The inline scalar node of an inline key, and its kustomization file.
    fn scalar(&self, key: Key) -> Option<(usize, &'f Node)> {
        let Key::Inline(k, p, _) = key else {
            return None;
        };
        let kust = self.model.kustomization(k)?;
        Some((kust.file, kust.patches.get(p)?.inline?))
    }

    /// The v1 object a patch applies to: the base with the earlier patches applied, in
    /// the namespace the base conversion used (a patch never moves the object).
    pub fn before(&self, base: &V1Release, earlier: &[Key]) -> Result<J, String> {
        let mut before = to_json(base.root);
        for &k in earlier {
            let Some(r) = self.root(k) else { continue };
            match to_json(r) {
                J::Array(ops) => json6902::apply(&mut before, &ops)
                    .map_err(|e| format!("a JSON patch applied before it does not apply ({e})"))?,
                mut p => {
                    p.as_object_mut().map(|m| m.remove("apiVersion"));
                    if let Some(meta) = p.get_mut("metadata").and_then(J::as_object_mut) {
                        meta.remove("name");
                        meta.remove("namespace");
                    }
                    smp::merge(&mut before, &p)
                }
            }
        }
        if let Some(meta) = before.get_mut("metadata").and_then(J::as_object_mut) {
            meta.insert("namespace".into(), J::String(base.namespace.clone()));
        }
        Ok(before)
    }

    /// The v1 object one application sees (as JSON): before the patch (see
    /// [`Sources::before`]) and after it (the patch merged, without its identity).
    pub fn states(&self, base: &V1Release, earlier: &[Key], patch: &J) -> Result<(J, J), String> {
        let before = self.before(base, earlier)?;
        let mut after = before.clone();
        let mut p = patch.clone();
        if let Some(meta) = p.get_mut("metadata").and_then(J::as_object_mut) {
            meta.remove("name");
            meta.remove("namespace");
        }
        p.as_object_mut().map(|m| m.remove("apiVersion"));
        smp::merge(&mut after, &p);
        Ok((before, after))
    }

    /// A finding at the patch: its document (file patch), or the inline scalar.
    pub fn finding(&self, key: Key, code: Code, msg: impl Into<String>) -> Option<Finding> {
        self.doc_finding(key, code, None, msg)
    }

    /// A finding at `node` of a file patch's document (inline: at the scalar).
    pub fn doc_finding(
        &self,
        key: Key,
        code: Code,
        node: Option<&Node>,
        msg: impl Into<String>,
    ) -> Option<Finding> {
        match key {
            Key::File(f, d) => {
                let root = self.files[f].docs.get(d)?.root();
                Some(doc_ref(self.files, f, d)?.finding(code, node.or(root), msg))
            }
            Key::Inline(..) => {
                let (kf, n) = self.scalar(key)?;
                let kf = &self.files[kf];
                Some(Finding::new(
                    code,
                    &kf.path,
                    n.line() + kf.first_root_line_offset(),
                    n.col(),
                    msg,
                ))
            }
        }
    }

    /// `Err` (why) when a converted form of this patch could not be written back.
    pub fn writable(&self, key: Key) -> Result<(), String> {
        let Key::Inline(k, p, _) = key else {
            return Ok(());
        };
        let (kf, n) = self.scalar(key).ok_or("internal: no inline node")?;
        let docs = self.inline.get(&(k, p)).map_or(0, |lf| {
            lf.docs
                .iter()
                .filter(|d| d.root().is_some_and(|r| !r.is_null()))
                .count()
        });
        if docs > 1 {
            return Err("an inline patch text with several documents is not converted; give each its own entry, or move them into a file".into());
        }
        block(&self.files[kf], n).map(|_| ())
    }

    /// The edit (kustomization file, edit) that replaces an inline patch's text.
    pub fn inline_edit(&self, key: Key, text: &str) -> Option<(usize, TextEdit)> {
        let (kf, n) = self.scalar(key)?;
        let (start, end, indent) = block(&self.files[kf], n).ok()?;
        let nl = self.files[kf].nl;
        let body: Vec<String> = crate::text::lines(text)
            .map(|l| {
                if l.trim().is_empty() {
                    String::new()
                } else {
                    format!("{}{l}", " ".repeat(indent))
                }
            })
            .collect();
        Some((kf, TextEdit::replace(start, end, body.join(nl))))
    }
}

/// The content of a literal block scalar in a kustomization (first-root document):
/// absolute byte range from its first content line to the end of its last, and the
/// content indentation; `Err` (why) for any other scalar style.
fn block(kf: &LoadedFile, n: &Node) -> Result<(usize, usize, usize), String> {
    const WHY: &str = "the inline patch is not a literal block scalar (`|` or `|-`), which is all fluxport rewrites in place; make it one, or move the patch into a file";
    if n.style() != Some(Style::Literal) {
        return Err(WHY.into());
    }
    let text = kf.text.as_deref().ok_or(WHY)?;
    let (di, _) = kf.first_root().ok_or(WHY)?;
    let d = &kf.docs[di];
    let chunk = d.text(text);
    // The node starts on its first content line; the indicator ends the line before
    // it (blank lines in between are content too).
    let line_start = chunk[..n.start()].rfind('\n').map_or(0, |i| i + 1);
    let mut header_end = line_start.checked_sub(1).ok_or(WHY)?;
    while let Some(prev) = chunk[..header_end].rfind('\n') {
        if !chunk[prev + 1..header_end].trim().is_empty() {
            break;
        }
        header_end = prev;
    }
    let header_start = chunk[..header_end].rfind('\n').map_or(0, |i| i + 1);
    let header = chunk[header_start..header_end].trim_end_matches('\r');
    let header = header.split(" #").next().unwrap_or("");
    let Some(at) = header.rfind('|') else {
        return Err(WHY.into());
    };
    if header[at..].bytes().any(|b| b.is_ascii_digit()) {
        return Err("the inline patch's block scalar has an indentation indicator; remove it, or move the patch into a file".into());
    }
    let content = header_end + 1;
    if n.end() <= content {
        return Err(WHY.into());
    }
    let indent = chunk[content..n.end()]
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(crate::text::indent_of)
        .next()
        .ok_or(WHY)?;
    Ok((d.start + content, d.start + n.end(), indent))
}

/// One application of a patch document to an object: the object's source document,
/// the patches applied to it before this one, and the kustomization whose patch list
/// applies it.
pub type Application = (ObjectRef, Vec<Key>, usize);

/// A v2 HelmRelease with the action timeouts made explicit, as helm-controller reads
/// them: every action's `timeout` defaults to `spec.timeout`, which defaults to `5m`
/// (`helm-controller:api/v2 HelmReleaseSpec.Timeout`, `Install/Upgrade/Test/Rollback/
/// Uninstall.GetTimeout`); durations compare in seconds.
pub fn normalised(v: &J) -> J {
    let mut v = v.clone();
    let Some(spec) = v.get_mut("spec").and_then(J::as_object_mut) else {
        return v;
    };
    let default = spec
        .get("timeout")
        .and_then(J::as_str)
        .and_then(seconds)
        .unwrap_or(300);
    spec.insert("timeout".into(), J::from(default));
    for action in ["install", "upgrade", "test", "rollback", "uninstall"] {
        let entry = spec
            .entry(action)
            .or_insert_with(|| J::Object(Default::default()));
        if let Some(m) = entry.as_object_mut() {
            let t = m
                .get("timeout")
                .and_then(J::as_str)
                .and_then(seconds)
                .unwrap_or(default);
            m.insert("timeout".into(), J::from(t));
        }
    }
    v
}

/// Seconds of a Go duration made of `h`, `m` and `s` parts (`1h30m`, `300s`).
fn seconds(d: &str) -> Option<u64> {
    let mut total = 0u64;
    let mut num = String::new();
    for c in d.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().ok()?;
        num.clear();
        total += n * match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
    }
    num.is_empty().then_some(total)
}

/// Names the source of a converted object: the base's, or an overlay's (or `Err` why
/// not).
pub type Resolve<'r> = dyn Fn(&SourceSpec) -> Result<ResolvedSource, String> + 'r;

/// Reads one v1 HelmRelease given as JSON and hands it to `f`; `Err` when it is not
/// convertible.
pub fn with_v1<T>(
    path: &str,
    v1: &J,
    opts: &Options,
    f: impl FnOnce(&V1Release, &mut Vec<Finding>) -> Result<T, String>,
) -> Result<T, String> {
    let text = emit::render(&json_out(v1), "\n");
    let input = InputFile::new(path, text);
    let mut scratch = Vec::new();
    let loaded = crate::repo::load::load_file(&input, &[], &opts.limits, &mut scratch);
    let Some(DocKind::HelmReleaseV1(flavor)) = loaded.docs.first().map(|d| d.kind.clone()) else {
        return Err("the patched object is not a v1 HelmRelease".into());
    };
    let files = std::slice::from_ref(&loaded);
    let (Some(doc), Some(root)) = (doc_ref(files, 0, 0), loaded.docs[0].root()) else {
        return Err("the patched object does not parse".into());
    };
    let r = helmrelease::read(doc, root, flavor, opts, None, &mut scratch).ok_or_else(|| {
        let why = scratch
            .iter()
            .find(|f| f.severity == crate::model::codes::Severity::Error)
            .map(|f| format!("{}: {}", f.code.as_str(), f.message))
            .unwrap_or_else(|| "it is not convertible".into());
        format!("the patched HelmRelease would not convert ({why})")
    })?;
    f(&r, &mut scratch)
}

/// Converts one v1 HelmRelease given as JSON, its source named by `resolve`; `Err`
/// when it is not convertible or its source cannot be named. The v2 object becomes
/// JSON straight from the output tree (no text round trip).
pub fn convert_v1(path: &str, v1: &J, resolve: &Resolve, opts: &Options) -> Result<J, String> {
    let out = with_v1(path, v1, opts, |r, scratch| {
        let own = resolve(&r.source)?;
        Ok(helmrelease::render_tree(r, &own, opts, &[], true, scratch))
    })?;
    emit::to_json(&out, opts.limits.max_depth, opts.limits.max_aliases)
        .ok_or_else(|| "internal: the converted patch target does not parse".into())
}
