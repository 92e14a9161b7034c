//! fluxport-core: converts Flux v1 (fluxd + helm-operator) manifests into Flux v2
//! manifests. Pure: no file system, no network, no wasm. The CLI and the web app call
//! [`convert`] and [`verify`] and nothing else.
//!
//! Layers, each importing only the ones below it (`tests/layers.rs` checks this):
//!
//! ```text
//! pipeline   the order of the stages (the only module that knows it)
//! verify     the pre-flight: what Flux v2 will do with a tree (fills report::preflight)
//! report     report, runbook, output files
//! image      image automation (object conversion)
//! helm       HelmRelease conversion and its sources (object conversion)
//! repo       whole-repository stages: load, classify, daemon, .flux.yaml, discovery,
//!            namespaces, charts
//! upgrade    pre-GA Flux v2 objects → the served versions (before helm reuses sources)
//! model      Context and the types every stage shares
//! yaml       parse tree with spans, verbatim copy, emitter
//! text       text edits, line index, Markdown and shell escaping
//! ```

pub mod helm;
pub mod image;
pub mod model;
pub mod pipeline;
pub mod repo;
pub mod report;
pub mod text;
pub mod upgrade;
pub mod verify;
pub mod yaml;

pub use model::codes::{Code, Severity};
pub use model::files::{FileStatus, InputFile, OutputFile};
pub use model::finding::{Finding, ReleaseEntry};
pub use model::options::{
    FluxVersion, HelmVersion, Limits, Mode, Options, SourcesPlacement, Target,
};
pub use pipeline::PendingPreflight;
pub use report::preflight::Verification;
pub use report::{Conversion, Report};

/// Converts a set of input files. Never panics on any input (a panic would kill the
/// page in wasm); every problem becomes a finding in the report.
pub fn convert(inputs: &[InputFile], options: &Options) -> Conversion {
    pipeline::run(inputs, options)
}

/// [`convert`] in two steps: the conversion (its `preflight` empty), then
/// [`PendingPreflight::run`] fills in the pre-flight and its runbook section. The same
/// result as [`convert`]; a caller can show the output before the pre-flight is done.
pub fn convert_deferred(inputs: &[InputFile], options: &Options) -> (Conversion, PendingPreflight) {
    pipeline::run_deferred(inputs, options)
}

/// The pre-flight of a Flux v2 tree: what Flux v2 will do with it, checked offline
/// (builds, served apiVersions, names, references, release identity, markers).
/// Never panics on any input.
pub fn verify(inputs: &[InputFile], options: &Options) -> Verification {
    verify::run(inputs, options)
}
