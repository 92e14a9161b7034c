//! The shared model: what every stage reads and writes. [`context::Context`] holds one
//! conversion's state; the other modules are the types stored in it (files, documents,
//! findings, options, codes, sync roots, Flux v1 components, `.flux.yaml` plans,
//! discovery results) and small pure helpers over them (paths, naming, Kubernetes
//! and Helm name rules, image references, workload containers).
//!
//! Layer rule: `model` imports only `text` and `yaml`, never a stage.

pub mod codes;
pub mod context;
pub mod discovery;
pub mod document;
pub mod exec;
pub mod files;
pub mod finding;
pub mod flux_v1;
pub mod flux_yaml;
pub mod image_ref;
pub mod k8s_names;
pub mod naming;
pub mod options;
pub mod paths;
pub mod placement;
pub mod release;
pub mod served;
pub mod sourceignore;
pub mod sync_root;
pub mod workload;
