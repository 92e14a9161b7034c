//! The loaded repository: each file ([`LoadedFile`]) split into YAML documents
//! ([`Doc`]) with their parse and what each document is ([`DocKind`]), and [`DocRef`],
//! a document's location for findings and verbatim copies.

use super::codes::Code;
use super::finding::Finding;
use crate::text::LineIndex;
use crate::yaml::{Node, Parsed};

/// One YAML document of a file: a byte range of the file text (from its `---` line, if
/// any, to the next one) and its parse.
#[derive(Debug)]
pub struct Doc {
    /// Byte range of the chunk in the file text.
    pub start: usize,
    pub end: usize,
    /// Number of lines before the chunk (add to a node's line for a file line).
    pub line_offset: usize,
    pub parsed: Option<Parsed>,
    pub kind: DocKind,
    /// Line index of the chunk text (node spans are relative to the chunk).
    pub index: LineIndex,
}

impl Doc {
    pub fn text<'a>(&self, file_text: &'a str) -> &'a str {
        &file_text[self.start..self.end]
    }
    pub fn root(&self) -> Option<&Node> {
        self.parsed.as_ref().and_then(|p| p.root.as_ref())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `.yaml`/`.yml` (or stdin): parsed.
    Yaml,
    /// A file inside a Helm chart directory (next to a `Chart.yaml`): not a manifest.
    ChartFile,
    /// Anything else: passed through.
    Other,
}

#[derive(Debug)]
pub struct LoadedFile {
    pub path: String,
    /// The file's bytes when they are not held by `text` (one copy in memory, not two):
    /// read them with [`LoadedFile::raw`].
    pub bytes: Vec<u8>,
    /// `None` when the file is not UTF-8 (or not parsed at all).
    pub text: Option<String>,
    pub kind: FileKind,
    pub docs: Vec<Doc>,
    /// The file's line ending.
    pub nl: &'static str,
    /// True when a load problem means nothing in this file may be rewritten.
    pub untouchable: bool,
}

impl LoadedFile {
    /// The first document with a non-null root (what a kustomization, a `.flux.yaml`
    /// or a patch file holds), with its index.
    pub fn first_root(&self) -> Option<(usize, &Node)> {
        self.docs
            .iter()
            .enumerate()
            .find_map(|(i, d)| d.root().filter(|r| !r.is_null()).map(|r| (i, r)))
    }

    /// Lines before [`LoadedFile::first_root`]'s document (0 when there is none).
    pub fn first_root_line_offset(&self) -> usize {
        self.first_root()
            .map_or(0, |(i, _)| self.docs[i].line_offset)
    }

    /// The file's bytes as read.
    pub fn raw(&self) -> &[u8] {
        match &self.text {
            Some(t) => t.as_bytes(),
            None => &self.bytes,
        }
    }
}
/// The flavour of a v1 HelmRelease (MAPPING.md §2, §2.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum V1Flavor {
    /// `helm.fluxcd.io/v1` HelmRelease.
    HelmFluxcdV1,
    /// `flux.weave.works/v1beta1` HelmRelease (helm-operator ≤ 0.10, Helm 2 only).
    WeaveV1beta1,
    /// `helm.integrations.flux.weave.works/v1alpha2` FluxHelmRelease.
    FluxHelmRelease,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocKind {
    /// Only comments or nothing.
    Empty,
    /// Parsed, but not a Kubernetes object (no apiVersion/kind, or not a mapping).
    NotManifest,
    HelmReleaseV1(V1Flavor),
    /// A SOPS file whose `apiVersion`, `kind` or `metadata.name` were encrypted too
    /// (`ENC[...]`): nothing can read it before decryption (MAPPING.md §3.5).
    SopsEncrypted,
    /// Any `*.toolkit.fluxcd.io` object: already Flux v2, passes through.
    FluxV2 {
        api_version: String,
        kind: String,
    },
    /// Any other Kubernetes object.
    Object {
        api_version: String,
        kind: String,
    },
}

/// Where a document lives, for findings and verbatim copies.
#[derive(Clone, Copy)]
pub struct DocRef<'a> {
    pub file: &'a str,
    /// The document chunk text (node spans are relative to it).
    pub text: &'a str,
    pub index: &'a LineIndex,
    pub line_offset: usize,
}

impl DocRef<'_> {
    pub fn finding(&self, code: Code, node: Option<&Node>, message: impl Into<String>) -> Finding {
        let (line, col) = self.position(node);
        Finding::new(code, self.file, line, col, message)
    }

    /// Line and column (1-based) of `node` in the file; the document's first line
    /// without one.
    pub fn position(&self, node: Option<&Node>) -> (usize, usize) {
        node.map(|n| (n.line() + self.line_offset, n.col()))
            .unwrap_or((self.line_offset + 1, 1))
    }
}
