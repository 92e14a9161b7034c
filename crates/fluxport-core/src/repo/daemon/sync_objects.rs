//! [`emit`]: writes the GitRepository and one Kustomization per git path for each daemon
//! (`flux-system/fluxport-sync[-<path>].yaml`).
//!
//! Reads: `daemons`, `flux_yaml`, `discovery` (ignore patterns), `opts`. Writes:
//! `new_files`, `findings`.

use super::*;

/// The `spec.path` of the Kustomization generated for a daemon's git path: `./dir`.
pub fn kustomization_path(p: &str) -> String {
    let n = crate::model::paths::normalize_dir(p);
    format!("./{}", n.trim_end_matches('/'))
}

/// Emits the GitRepository + Kustomizations for each daemon.
pub fn emit(ctx: &mut Context) {
    let several = ctx.daemons.iter().filter(|d| d.git_url.is_some()).count() > 1;
    let mut findings = Vec::new();
    let mut files: Vec<(String, Vec<String>)> = Vec::new();
    for (di, d) in ctx.daemons.iter().enumerate() {
        let Some(raw) = &d.git_url else { continue };
        let (line, column) = d.git_url_at;
        let at = |code: Code, msg: String| Finding::new(code, &d.file, line, column, msg);
        let Some(url) = naming::normalize_git_url(raw) else {
            findings.push(at(
                Code::INVALID_FIELD,
                format!("--git-url `{raw}` is not a URL Flux v2 accepts"),
            ));
            continue;
        };
        let name = naming::repo_name(&url.url);
        let mut docs = Vec::new();
        let mut spec = Out::map()
            .s("interval", &d.git_poll_interval)
            .s("timeout", &d.git_timeout)
            .s("url", &url.url)
            .kv("ref", Out::map().s("branch", &d.git_branch).build());
        if url.ssh || url.had_credentials {
            spec = spec.kv(
                "secretRef",
                Out::map().s("name", format!("{name}-auth")).build(),
            );
        }
        // §3.2: what fluxd skipped or ignored under these paths (with the defaults).
        if let Some(lines) = ctx.discovery.ignore_lines(&d.git_paths) {
            let mut block = vec!["|".to_string()];
            block.extend(lines.iter().map(|l| format!("    {l}")));
            spec = spec.kv("ignore", Out::Raw(crate::yaml::raw::RawText::Inline(block)));
        }
        if url.ssh {
            findings.push(at(Code::SSH_SECRET_REQUIRED, format!(
                "Secret flux-system/{name}-auth needs `identity` (the deploy key from Secret {}/{}) plus `known_hosts`{}",
                d.namespace, d.git_secret_name,
                if d.git_readonly { "" } else { "; the key needs write access for image automation" }
            )));
        } else if url.had_credentials {
            findings.push(at(Code::GIT_CREDENTIALS_IN_URL, format!(
                "credentials removed from the URL: Secret flux-system/{name}-auth needs `username` and `password`"
            )));
        }
        if !d.git_readonly {
            findings.push(at(
                Code::SYNC_TAG_GONE,
                "the flux-sync tag is no longer written".into(),
            ));
        }
        docs.push(
            ctx.generated.render(
                Out::map()
                    .s("apiVersion", "source.toolkit.fluxcd.io/v1")
                    .s("kind", "GitRepository")
                    .kv(
                        "metadata",
                        Out::map()
                            .s("name", &name)
                            .s("namespace", "flux-system")
                            .build(),
                    )
                    .kv("spec", spec.build())
                    .build(),
                "\n",
            ),
        );
        for p in &d.git_paths {
            // `.flux.yaml` (§3.6): the generator decides the path, decryption, or that
            // no Kustomization can be written.
            let generated = ctx
                .flux_yaml
                .iter()
                .find(|x| x.daemon == di && x.git_path == crate::model::paths::normalize_dir(p))
                .map(|x| &x.outcome);
            let kpath = match generated {
                Some(crate::model::flux_yaml::Outcome::Unsupported) => continue,
                Some(crate::model::flux_yaml::Outcome::Kustomize { dir, .. }) => {
                    kustomization_path(dir)
                }
                _ => kustomization_path(p),
            };
            let decrypt = d.sops || generated == Some(&crate::model::flux_yaml::Outcome::Sops);
            let kname = if d.git_paths.len() == 1 {
                name.clone()
            } else {
                let n = crate::model::paths::normalize_dir(p);
                naming::dns1123(&format!(
                    "{name}-{}",
                    if n.is_empty() {
                        "root"
                    } else {
                        n.trim_end_matches('/')
                    }
                ))
            };
            let mut spec = Out::map()
                .s("interval", &d.sync_interval)
                .s("timeout", &d.sync_timeout)
                .s("path", &kpath)
                .kv("prune", Out::Bool(d.sync_garbage_collection))
                .kv(
                    "sourceRef",
                    Out::map()
                        .s("kind", "GitRepository")
                        .s("name", &name)
                        .build(),
                );
            if decrypt {
                findings.push(at(Code::SOPS_KEY_SECRET, format!(
                    "Kustomization flux-system/{kname} decrypts with SOPS: create Secret flux-system/sops-gpg with the private key (`*.asc` PGP / `*.agekey` age) before applying it, or configure KMS workload identity"
                )));
                spec = spec.kv(
                    "decryption",
                    Out::map()
                        .s("provider", "sops")
                        .kv("secretRef", Out::map().s("name", "sops-gpg").build())
                        .build(),
                );
            }
            docs.push(
                ctx.generated.render(
                    Out::map()
                        .s("apiVersion", "kustomize.toolkit.fluxcd.io/v1")
                        .s("kind", "Kustomization")
                        .kv(
                            "metadata",
                            Out::map()
                                .s("name", kname)
                                .s("namespace", "flux-system")
                                .build(),
                        )
                        .kv("spec", spec.build())
                        .build(),
                    "\n",
                ),
            );
        }
        let path = if several {
            let first = crate::model::paths::normalize_dir(
                d.git_paths.first().map(String::as_str).unwrap_or(""),
            );
            format!(
                "{SYNC_DIR}fluxport-sync-{}.yaml",
                naming::dns1123(if first.is_empty() {
                    "root"
                } else {
                    first.trim_end_matches('/')
                })
            )
        } else {
            format!("{SYNC_DIR}fluxport-sync.yaml")
        };
        let from = if d.file.is_empty() {
            "options".to_string()
        } else {
            format!("{} (namespace {})", d.file, d.namespace)
        };
        let synced = d
            .git_paths
            .iter()
            .any(|p| path.starts_with(&crate::model::paths::normalize_dir(p)));
        let header = format!(
            "# Generated by fluxport from the Flux v1 daemon in {from}.\n# Apply once (kubectl apply -f {path}) after `flux install`; {}\n",
            if synced {
                "it lies in a synced path, so Flux v2 keeps managing it afterwards."
            } else {
                "it is outside the synced paths."
            }
        );
        // Two daemons of one sync root write one file: the first keeps it, as the
        // image automation of that root names the first daemon's GitRepository
        // (`image::daemon_for`).
        if files.iter().any(|(p, _)| *p == path) {
            continue;
        }
        let mut all = vec![header];
        all.extend(docs);
        files.push((path, all));
    }
    // Already generated by an earlier run (idempotence): a run over converted output
    // keeps the sync files it finds and writes none (the daemon manifests that produced
    // them may have left the tree, see `retire_components`).
    let prefix = format!("{SYNC_DIR}fluxport-sync");
    if ctx.files.iter().any(|f| f.path.starts_with(&prefix)) {
        ctx.findings.append(&mut findings);
        return;
    }
    for (path, docs) in files {
        if ctx.files.iter().any(|f| f.path == path) {
            continue;
        }
        ctx.new_files.insert(path, docs);
    }
    ctx.findings.append(&mut findings);
}
