//! Repository paths: the file names fluxport reads and writes, and the path helpers every
//! stage uses (directories are normalised to `dir/`, `""` for the repository root).

/// Directory of the generated sync objects.
pub const SYNC_DIR: &str = "flux-system/";

/// Name of the generated sources file placed at each sync root.
pub const SOURCES_FILE: &str = "fluxport-sources.yaml";

/// Name of the generated image automation file placed in each sync root's sources
/// directory.
pub const AUTOMATION_FILE: &str = "fluxport-image-automation.yaml";

/// The file name fluxd looks for (manifest generation).
pub const FLUX_YAML_FILE: &str = ".flux.yaml";

/// The file names kustomize (and kustomize-controller) recognise as a kustomization,
/// in kustomize's lookup order.
pub const KUSTOMIZATION_FILES: &[&str] =
    &["kustomization.yaml", "kustomization.yml", "Kustomization"];

pub fn dir_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    }
}

pub fn base_of(path: &str) -> &str {
    &path[dir_of(path).len()..]
}

pub fn is_kustomization_file(path: &str) -> bool {
    KUSTOMIZATION_FILES.contains(&base_of(path))
}

/// Joins `rel` onto directory `base` (both `/`-separated; `base` normalised with a
/// trailing `/` or empty), resolving `.` and `..`. `None` when `..` leaves the
/// repository or `rel` is absolute.
pub fn join_path(base: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

pub fn normalize_dir(p: &str) -> String {
    let t = p.trim().trim_start_matches("./").trim_matches('/');
    if t.is_empty() || t == "." {
        String::new()
    } else {
        format!("{t}/")
    }
}
