//! The finding-code catalogue: every code fluxport can report, its severity, what it
//! means and how to fix it. `fluxport explain CODE` prints these entries, and the README
//! table is checked against this list by a test.

use serde::{Serialize, Serializer};

/// How urgent a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Done, but worth knowing.
    Info,
    /// Converted, but a human must act or review before the cut-over.
    Warning,
    /// Not converted: the input is broken or cannot be expressed in Flux v2.
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! codes {
    ($( $id:ident = $sev:ident, $section:literal, $meaning:literal, $fix:literal; )*) => {
        /// A finding code. The string form (`Code::as_str`) is stable.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[allow(non_camel_case_types)]
        pub enum Code { $( $id, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$id, )* ];
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$id => stringify!($id), )* }
            }
            pub fn severity(self) -> Severity {
                match self { $( Code::$id => Severity::$sev, )* }
            }
            /// MAPPING.md section (or "fluxport" for the converter's own input checks).
            pub fn section(self) -> &'static str {
                match self { $( Code::$id => $section, )* }
            }
            pub fn meaning(self) -> &'static str {
                match self { $( Code::$id => $meaning, )* }
            }
            pub fn fix(self) -> &'static str {
                match self { $( Code::$id => $fix, )* }
            }
        }
    };
}

codes! {
    // ---- input problems (fluxport's own codes) ----
    YAML_PARSE_ERROR = Error, "fluxport",
        "The document is not valid YAML. It was passed through unchanged and not converted.",
        "Fix the YAML at the reported line and column (kubectl would reject it too), then convert again.";
    DUPLICATE_KEY = Error, "fluxport",
        "A mapping has the same key twice. Kubernetes tooling keeps one of them silently, so the intent is unclear. The document was passed through unchanged.",
        "Remove or merge the duplicate key, then convert again.";
    TEMPLATED_FILE = Warning, "fluxport",
        "The file contains template syntax ({{ }} or {% %}) outside YAML strings and cannot be read as a manifest before rendering. It was passed through unchanged.",
        "Render the template (helm template, Ansible, ...) and convert the output, or convert the generated manifests in the pipeline that renders them.";
    NOT_UTF8 = Error, "fluxport",
        "The file is not valid UTF-8 text. It was passed through unchanged.",
        "Re-encode the file as UTF-8 if it is a manifest.";
    PATH_NOT_READ = Warning, "fluxport",
        "A path in the input directory is not a regular file or a directory: a symbolic link (never followed, it could lead out of the tree or loop), a FIFO, a socket or a device. Or, in the web app, an entry of a zip whose safe entries only were loaded: its name is unsafe (a \"..\" component, an absolute path, a drive letter, a backslash or a NUL byte). It was not read and is not in the output.",
        "If it is a manifest, replace the link by the file it points to (or, in a zip, give the entry a plain relative name) and convert again (Flux v2's source-controller keeps only regular files and directories in its artifact, so it drops links too: fluxcd/pkg artifact/storage/archive.go); otherwise ignore it (with -o, copy it yourself).";
    BARE_CR = Error, "fluxport",
        "The file uses a carriage return without a line feed (old Mac line ending) as a line break. YAML reads it as a new line, editors and fluxport's edits do not, so the file was passed through unchanged.",
        "Convert the file to LF (or CRLF) line endings (e.g. `dos2unix -c mac FILE`), then convert again.";
    LIMIT_EXCEEDED = Error, "fluxport",
        "The input is over one of fluxport's safety limits (size, documents, nesting depth or aliases). The file was passed through unchanged.",
        "Split the file, or raise the limit (CLI: --max-file-bytes, --max-documents, --max-depth, --max-aliases) if the input is trusted.";
    INVALID_FIELD = Error, "fluxport",
        "A v1 field has a value of the wrong type (for example `timeout: \"abc\"` or `values` as a list), or a field fluxport reads carries an explicit YAML tag whose Kubernetes reading is not certain (`!!binary`, a local tag such as `!foo`, a core tag of another type; `!!str` on a string field is read as the string). helm-operator would have rejected this HelmRelease (or read another value), so it was not converted.",
        "Fix the field's type in the v1 manifest (write the value without a tag), then convert again.";
    INVALID_NAME = Error, "fluxport",
        "A v1 HelmRelease's `metadata.name` is not an RFC 1123 subdomain, its `metadata.namespace` or `spec.targetNamespace` is not an RFC 1123 label, or its `spec.releaseName` (or the release name v1 computes from them) is not a valid Helm release name (k8s.io/apimachinery `IsDNS1123Subdomain`/`IsDNS1123Label`, Helm `chartutil.ValidateReleaseName`). The API server or Helm would refuse it, so it was not converted and the file was passed through unchanged.",
        "Rename as the message says (lowercase letters, digits and `-`; dots only in names), then convert again. For a running release with such a name, set a valid `spec.releaseName` and plan a fresh install.";
    DUPLICATE_OBJECT = Error, "§3.1",
        "Two documents of the input define the same object (API group, kind, effective namespace, name) in what one sync applies: twice in one file, in two files fluxd applied together, or twice in one kustomize build. fluxd refused the duplicate (and kustomize refuses a duplicate id); converted, both would fight over one object. The second one was not converted.",
        "Keep one definition (merge the two), or rename or re-namespace one of them, then convert again.";
    RELEASE_CLASH = Error, "§2.2",
        "Two v1 HelmReleases applied by one sync root map to the same Helm release (release name and storage namespace, computed by the v1 rules of MAPPING.md §2.2): helm-operator had them overwrite each other's release, and helm-controller would too. The later one (by file and line) was not converted.",
        "Give one of them another `spec.releaseName` or `spec.targetNamespace` (a new release: plan the data migration), or remove the duplicate, then convert again.";
    UNKNOWN_FIELD = Warning, "fluxport",
        "The v1 object has a field that the v1 API does not define. It has no v2 counterpart and was dropped.",
        "Check whether the field was a typo (v1 ignored it). If it carried meaning, move it to the right v2 field by hand.";
    COMMENTS_DROPPED = Info, "fluxport",
        "Comments outside `spec.values` and `metadata.labels` of a converted HelmRelease could not be carried over, because the fields around them were restructured.",
        "Re-add the comments you still need next to the new v2 fields.";
    SOURCE_NAME_CLASH = Info, "§1",
        "Two different sources map to the same generated name; the later one (in sorted order) got a numeric suffix.",
        "Nothing to do; rename the source if you prefer another name.";
    EXISTING_SOURCE_REUSED = Info, "§1",
        "The input already has a Flux v2 source for this URL in this namespace; the converted HelmRelease points at it instead of a new one.",
        "Nothing to do.";
    // ---- §2 HelmRelease ----
    RELEASE_NAME_TOO_LONG = Error, "§2.2",
        "The v1-computed release name is longer than 53 characters. Helm 3 and the v2 CRD reject it, so no v2 HelmRelease was emitted.",
        "The release cannot exist under Helm 3 with this name. Pick a shorter spec.releaseName, accept a fresh install, and migrate data by hand.";
    NO_ROLLBACK_HISTORY = Warning, "§2.2",
        "helm-controller adopts the existing release on its first reconcile and starts with an empty history, so a rollback right after the migration fails with \"missing rollback target\".",
        "Avoid upgrades that may fail right after the cut-over, or let one successful upgrade happen first.";
    HELM2_RELEASE = Warning, "§2.3",
        "The release still runs on Helm 2 (Tiller). helm-controller cannot read Tiller storage and would install a second copy.",
        "Before applying the v2 HelmRelease, run `helm 2to3 convert <releaseName>` (see the runbook), or while still on helm-operator set `spec.helmVersion: v3` plus the annotation `helm.fluxcd.io/migrate: \"true\"`.";
    HELM2_SELECTOR_HERITAGE = Warning, "§2.3",
        "A chart template puts `heritage: {{ .Release.Service }}` into a selector. Under Helm 3 the value changes from Tiller to Helm and the first upgrade fails on the immutable selector.",
        "Remove heritage from selectors (keep it as a plain label) before the cut-over.";
    HELM2_CHART_TEMPLATE = Warning, "§6",
        "A chart template uses a Helm 2 feature Helm 3 drops: a `crd-install` hook (the manifest is skipped), `.Release.Time` or `.Capabilities.TillerVersion` (template error).",
        "Move crd-install CRDs into the chart's crds/ directory without the hook annotation; remove the Helm 2-only template objects.";
    HELM2_CHART_FILE_MOVED = Info, "§6",
        "A Helm 2 chart file moved into the Helm 3 layout: the dependencies of `requirements.yaml` into `Chart.yaml` (apiVersion v2), `requirements.lock` to `Chart.lock` with its digest recomputed. The old file is deleted.",
        "Nothing to do; `helm dependency build` on the chart checks the result.";
    PARTIAL_HELMRELEASE = Warning, "§2.4",
        "The v1 HelmRelease has no `spec.chart` at all: it is a kustomize patch (or overlay) of a HelmRelease defined elsewhere. It was passed through unchanged.",
        "Convert the base HelmRelease, then port the patch by hand: apiVersion helm.toolkit.fluxcd.io/v2 and the v2 field names (see the converted base).";
    INVALID_CHART_SOURCE = Error, "§2.4",
        "The chart needs either `git` + `path` or `repository` + `name` + `version`. helm-operator never synced this HelmRelease.",
        "Complete the chart source in the v1 manifest, then convert again.";
    CHART_NAME_ALIAS = Warning, "§2.4.1",
        "`chart.name` had a repository alias prefix (for example `stable/redis`); v2 takes the bare chart name.",
        "Nothing to do; check that the chart exists in the generated HelmRepository.";
    HELMREPO_AUTH_UNKNOWN = Warning, "§2.4.1",
        "`chart.chartPullSecret` was set, but helm-operator never implemented it; credentials came from `--helm-repository-import`.",
        "Create a Secret with username/password (and a certSecretRef for TLS) and set `spec.secretRef` on the HelmRepository.";
    UNSUPPORTED_REPO_SCHEME = Error, "§2.4.1",
        "The chart repository uses a scheme (s3://, gs://, ...) that needed a Helm downloader plugin; v2 accepts only http, https and oci.",
        "Move the charts to an OCI registry, or use a Bucket source with `chart: ./path/<name>-<version>.tgz`.";
    DEPRECATED_STABLE_REPO = Warning, "§2.4.1",
        "The dead kubernetes-charts(-incubator).storage.googleapis.com URL was rewritten to charts.helm.sh.",
        "Nothing to do; consider moving to the chart's maintained repository.";
    GIT_REF_AMBIGUOUS = Warning, "§2.4.2",
        "`chart.ref` looks like a version tag, but v1 accepted branch, tag or commit alike and the converter cannot tell them apart offline. It was written as a branch.",
        "If the ref is a tag, change `ref.branch` to `ref.tag` in the GitRepository.";
    SHORT_SHA = Warning, "§2.4.2",
        "`chart.ref` looks like a short commit SHA; v2 needs the full 40-character SHA in `ref.commit`.",
        "Replace it with the full commit SHA in `ref.commit`.";
    GIT_CHART_REVISION_SEMANTICS = Info, "§2.4.2",
        "v1 upgraded a git chart when files under its path changed; v2 with `reconcileStrategy: Revision` upgrades on every commit to the repository.",
        "Nothing to do if extra no-op upgrades are acceptable; otherwise bump the chart version and use ChartVersion.";
    SSH_SECRET_REQUIRED = Warning, "§2.4.2",
        "The git source uses SSH; v2 needs a Secret with `identity` and `known_hosts` in the GitRepository's namespace.",
        "Run `flux create secret git <name> --url=<ssh url>` (or create the Secret from the old deploy key plus known_hosts).";
    GIT_CREDENTIALS_IN_URL = Warning, "§2.4.2",
        "The git URL carried credentials; they were removed from the URL and a secretRef placeholder was written.",
        "Create the named Secret with `username` and `password` keys.";
    DEP_REPO_ALIAS = Warning, "§2.4.2",
        "A chart dependency uses a repository alias (`@name` / `alias:name`); source-controller accepts only http(s):// and oci:// URLs.",
        "Replace the alias with the full repository URL.";
    VALUES_CROSS_NAMESPACE = Warning, "§2.5",
        "A valuesFrom reference pointed at another namespace; v2 has no namespace field, so it now points at a same-named object in the HelmRelease namespace.",
        "Copy the ConfigMap/Secret into the HelmRelease namespace before the cut-over.";
    EXTERNAL_VALUES_URL = Warning, "§2.5",
        "`valuesFrom.externalSourceRef` (values from a URL) has no v2 equivalent and was dropped.",
        "Have a CronJob or CI job write the content into a ConfigMap and reference it with `valuesFrom` kind ConfigMap.";
    CHARTFILE_ORDER = Warning, "§2.5",
        "A chartFileRef was not the first values source; in v2 chart files always rank below every valuesFrom entry and the inline values.",
        "Check that no key set by that file is also set by an earlier valuesFrom entry.";
    CHARTFILE_ON_REPO_CHART = Warning, "§2.5",
        "A chartFileRef on a Helm repository chart never worked in v1.",
        "Optional refs were dropped; for required ones the emitted valuesFiles must exist in the chart package.";
    VALUES_OPTIONAL_NARROWED = Info, "§2.5",
        "`optional: true` in v2 skips a missing object or key, but no longer a value that fails to parse.",
        "Make sure the referenced values parse as YAML.";
    RECREATE_NOOP = Warning, "§2.6",
        "`rollback.recreate` is deprecated and does nothing since helm-controller moved to the Helm 4 SDK.",
        "Remove it when convenient; restart workloads by other means if you relied on it.";
    TEST_CLEANUP_DROPPED = Info, "§2.6",
        "`test.cleanup: false` was a Helm 2 option with no v2 counterpart.",
        "Nothing to do.";
    V1BETA1_RESETVALUES = Warning, "§2.8",
        "A flux.weave.works/v1beta1 HelmRelease without values: Tiller reused the previous release's values on upgrade, v2 resets them.",
        "Put the values the release runs with into `spec.values` (see `helm get values`).";
    OPENAPI_VALIDATION_UPGRADE = Info, "§2.1",
        "Idiomatic mode also disables OpenAPI validation on upgrades; helm-operator only disabled it on install.",
        "Nothing to do unless you rely on upgrade-time validation.";
    ALLOW_NAMESPACE = Warning, "§2.7",
        "helm-operator `--allow-namespace` has no direct v2 equivalent.",
        "Restrict helm-controller with `--watch-all-namespaces=false` or use RBAC with serviceAccountName impersonation.";
    HELM_OPERATOR_UPGRADED = Warning, "§2.3",
        "Helm 3 on Flux v1: helm-operator was older than 1.2.0, the first release with the `helm.fluxcd.io/migrate` Helm 2to3 conversion; its version was bumped.",
        "Re-apply the HelmRelease CRD of the new version (helm-operator 1.2.0 changed it) together with the operator, before the migrate annotations reach the cluster.";
    // ---- §3 daemon ----
    DUPLICATE_ACROSS_PATHS = Error, "§3.1",
        "The same object is defined under two git paths; separate Kustomizations would fight over it.",
        "Keep the object in one path only.";
    SYNC_TAG_GONE = Info, "§3.1",
        "v2 keeps sync state in object status and writes no flux-sync tag or git notes.",
        "If something watched the flux-sync tag, use a notification-controller commit-status Provider instead.";
    GIT_SECRET = Warning, "§3.1",
        "`--git-secret` (git-secret decryption) has no v2 equivalent.",
        "Re-encrypt the secrets with SOPS and configure `spec.decryption` on the Kustomization.";
    FLAG_NO_EQUIVALENT = Info, "§3.1",
        "A fluxd or helm-operator flag has no Flux v2 counterpart and was dropped.",
        "Read the message for the flag; most need no action.";
    CHART_DIR_IN_PATH = Warning, "§3.2",
        "A Helm chart directory sits under a git path. v1 skipped it; v2 would try to apply its templates, so an ignore pattern was written.",
        "Nothing to do; keep the ignore pattern in the GitRepository.";
    STRAY_KUSTOMIZATION = Warning, "§3.2",
        "A kustomization.yaml under a git path was not used by v1, but v2 will use it, so only what it lists will be applied.",
        "List every manifest of that directory in the kustomization.yaml, or remove it.";
    REMOTE_BASE = Info, "§3.2",
        "A kustomization loads a remote base or resource (a URL or git spec). fluxport works offline and never fetches it: the objects it brings are not converted or checked, and patches of them stay as written (PARTIAL_HELMRELEASE for HelmRelease patches).",
        "Convert the remote repository too (at the ref named), or vendor the base into this repository.";
    KUSTOMIZATION_ENTRY_MISSING = Warning, "§3.2",
        "A kustomization names a file or directory that is not in the input (or a directory without a kustomization file). `kustomize build` fails on it before the migration already; nothing it would bring was converted.",
        "Add the missing file to the input (or the repository), or remove the entry.";
    KUSTOMIZATION_ENTRY_REMOVED = Info, "§3.2",
        "A kustomization listed a file that the migration removes (a Flux v1 component, a moved or emptied patch, requirements.yaml); its entry was removed, one line, so the directory still builds.",
        "Nothing to do.";
    KUSTOMIZATION_ENTRY_NOT_REMOVED = Error, "§3.2",
        "A kustomization lists a file that the migration removes, but the entry could not be removed with a one-line edit (flow-style list, or a `patches` item with more fields). kustomize fails on the missing file.",
        "Remove the entry named in the message by hand.";
    OVERLAY_NAMESPACES_DIFFER = Warning, "§2.2",
        "Overlays put one base HelmRelease into different namespaces, and its v1 release name or target namespace came from the namespace, so each overlay ran its own release. Where a kustomization sets the namespace, it gets a patch with its identity (OVERLAY_IDENTITY); the namespaces listed here could not be carried over (the message says why) and would be installed anew.",
        "Add a patch to each overlay the message lists that sets its `releaseName`, `targetNamespace` and `storageNamespace`.";
    PATCH_AUTOMATION_DROPPED = Warning, "§4.1",
        "A kustomize patch sets Flux v1 image automation annotations that change what its base does in that overlay, and the change cannot be carried over: the overlay's filter applies to an image set only in the base and no line can be added for it, or the overlay turns off automation the base has without pinning the image. The annotations were dropped (Flux v2 does not read them).",
        "Do what the message says (add the image field to the patch, or pin it), and convert again.";
    OVERLAY_IMAGE_POLICY = Info, "§4.1",
        "A kustomize patch gives its overlay an image automation of its own (another filter, or automation the base does not have). The overlay got its own ImagePolicy, with the `$imagepolicy` marker on the patch's image line (added with its current value when the image is set only in the base: a values field, or an `images:` entry of the overlay's kustomization); the base keeps its policy.",
        "Review the policy; nothing else to do.";
    PATCH_CONVERTED = Info, "§2",
        "A v1 HelmRelease used as a kustomize patch was converted as a patch: it now carries exactly the v2 fields that turn the converted base into the v2 form of the patched v1 object (values copied as written, no defaults the base already sets).",
        "Review the patch; nothing else to do.";
    OVERLAY_IDENTITY = Info, "§2.2",
        "A kustomization puts a base HelmRelease into its own namespace, where v1 ran a release of its own (the release name and storage namespace came from the namespace). It got a generated patch, listed in its `patches:`, that sets the release name (and target/storage namespace) v1 had there; the base keeps the identity of its own namespace.",
        "Review the generated patch; nothing else to do.";
    OVERLAY_SOURCE = Info, "§1",
        "An overlay's HelmRelease patch switches the chart source (chart.repository, chart.git, chart.ref). The overlay got its own HelmRepository/GitRepository in a new file of its directory, listed in its kustomization's resources, and the converted patch's `chart.spec.sourceRef` names it; the base's source is unchanged.",
        "Review the new source (for a private repository, its secretRef); nothing else to do.";
    PATCH_NOT_CONVERTED = Error, "§2",
        "A v1 HelmRelease patch could not be converted (the message says why: its v2 form would differ between the objects it patches, it uses a strategic-merge directive, a list kustomize merges by name would have to shrink, the chart source it switches to cannot be placed in the overlay, or its inline text is not a literal block scalar or holds several documents). It was left as it is, so it no longer matches the converted base.",
        "Convert the patch by hand following the message, or split it per target.";
    PATCH_OP_UNMAPPED = Error, "§2",
        "A JSON 6902 operation on a v1 HelmRelease has no v2 operation with the same effect (the message names the operation by index, op and path, and says why: a v1 field with no single v2 field such as `spec.wait`, a chart source change, or a result that differs from the converted HelmRelease). The operation list and its target selector were left as v1, so they no longer match the converted base.",
        "Write that change as a strategic-merge patch (fluxport converts those), or convert the operations by hand.";
    NON_MANIFEST_YAML = Info, "§3.2",
        "A YAML file under a git path is not a Kubernetes manifest (no kind). v2 would fail to apply it.",
        "It was added to the ignore list; move it out of the synced path if you prefer.";
    UNKNOWN_SCOPE = Warning, "§3.3",
        "The object has no namespace and its kind is neither a known built-in nor a CRD in the input, so fluxport cannot tell whether it is namespaced.",
        "Add `metadata.namespace` by hand if the kind is namespaced.";
    SOPS_FULLY_ENCRYPTED = Error, "§3.5",
        "The file's kind/apiVersion/metadata are SOPS-encrypted; kustomize-controller cannot parse it.",
        "Re-encrypt with `encrypted_regex: ^(data|stringData)$`.";
    GENERATOR_UNSUPPORTED = Error, "§3.6",
        "A .flux.yaml generator runs something other than one `kustomize build <dir>` or only `sops -d` (several generators, helm template, jsonnet, scripts, pipelines, kustomize plugin flags); v2 runs no shell commands, so no Kustomization was written for that git path.",
        "Render the manifests in CI and commit the output (then point a Kustomization at that directory), or publish them as an OCI artifact (`flux push artifact`) and use an OCIRepository.";
    UPDATER_UNSUPPORTED = Warning, "§3.6",
        "A .flux.yaml commandUpdated updater has no v2 equivalent; image updates use markers.",
        "Mark the image fields with `$imagepolicy` markers.";
    FLUX_V1_COMPONENT = Warning, "§2.10",
        "A v1 HelmRelease installs Flux v1 itself (the `flux` or `helm-operator` chart). It was not converted: as a v2 HelmRelease, helm-controller would bring the stopped daemon back. The file was removed from the repository (when it held nothing else).",
        "After the cut-over, uninstall the release with the command in the message (the runbook lists it).";
    FLUX_YAML = Info, "§3.6",
        "A .flux.yaml (fluxd manifest generation) was converted: the message says what its generators became for each git path. The file itself stays; source-controller's default ignore list excludes it.",
        "Nothing to do; delete the .flux.yaml after the cut-over, or list **/.flux.yaml in spec.ignore/.sourceignore if you add either.";
    FLUX_YAML_UNUSED = Warning, "§3.6",
        "A .flux.yaml sits deeper than every git path the input names (fluxd reads it only in its git path or a parent of it), so nothing was converted from it: no Kustomization for its generators, and its patchFile (image pins fluxd wrote) is not carried over. Multi-cluster repositories often keep fluxd outside the repository.",
        "If a fluxd used it, convert again with --sync-path set to that fluxd's git path; else delete it.";
    FLUX_YAML_INVALID = Error, "§3.6",
        "fluxd would have rejected this .flux.yaml (not `version: 1`, or not exactly one of commandUpdated/patchUpdated/scanForFiles). No Kustomization was written for the git paths it governs.",
        "Fix or delete the file, then convert again.";
    MANIFEST_GENERATION_OFF = Info, "§3.6",
        "A .flux.yaml governs a git path, but fluxd ran without --manifest-generation=true, so v1 ignored it and applied the plain YAML files. Nothing was converted from it.",
        "Nothing to do; the file is ignored by source-controller's default ignore list. Delete it if unused.";
    MANIFEST_GENERATION_UNKNOWN = Warning, "§3.6",
        "A .flux.yaml governs a git path, but no fluxd manifest in the input says whether --manifest-generation was on. It was converted as if it was on.",
        "Check the fluxd flags. If manifest generation was off, the Kustomization must cover the plain files of the git path instead (and any kustomization.yaml there becomes active).";
    FLUX_PATCH_MOVED = Info, "§3.6",
        "A document of a patchUpdated patchFile was moved into the generator directory's kustomization: remaining fields as a `patches:` entry with an explicit target, image pins as `images:` entries with `$imagepolicy` markers. The message lists every dropped line ($setElementOrder directives, v1 policy annotations). The patch file was deleted.",
        "Review the kustomization diff.";
    FLUX_PATCH_NOT_MOVED = Warning, "§3.6",
        "A patchUpdated patchFile could not be moved into a kustomization (no kustomization file in the input, unreadable, or a flow-style `patches:`/`images:`). v2 does not apply the patch file.",
        "Add each document as a `patches:` entry with a target (kind/name/namespace) and each image pin as an `images:` entry with a `$imagepolicy` marker by hand.";
    FLUX_PATCH_AUTOMATION = Warning, "§3.6",
        "A patchFile document that is not a workload (for example a HelmRelease) carried automation annotations or fields that need a human: no ImagePolicy or marker was written for it.",
        "Add the ImagePolicy and a `$imagepolicy` marker on the image line of the base object by hand (§4.3), and check the moved patch against the v2 field names.";
    SOPS_KEY_SECRET = Warning, "§3.5",
        "The Kustomization decrypts with SOPS: `spec.decryption.secretRef` names a Secret in flux-system that must hold the private key (`*.asc` for PGP, `*.agekey` for age), or the controller must use cloud KMS through workload identity.",
        "Create the Secret before applying the Kustomization (e.g. `gpg --export-secret-keys --armor <id> | kubectl -n flux-system create secret generic sops-gpg --from-file=sops.asc=/dev/stdin`).";
    NOTIFICATIONS = Info, "§5",
        "fluxd `--connect` (FluxCloud/Weave Cloud events) has no automatic mapping.",
        "Create notification-controller Provider and Alert objects.";
    // ---- §4 image automation ----
    POLICY_CONFLICT = Warning, "§4.1",
        "The same image policy is set under several annotation prefixes with different values; fluxcd.io/ wins, then flux.weave.works/, then filter.fluxcd.io/.",
        "Remove the losing annotations from the v1 manifest if the result is not what you meant.";
    UNSUPPORTED_IMAGE_SPLIT = Warning, "§4.3",
        "The values split the image as registry + `name:tag`; no v2 setter can write that shape, so no marker was written.",
        "Restructure the values into repository + tag (or one full image string) and add the marker by hand.";
    NONSTRING_TAG = Warning, "§4.3",
        "An image tag in values is not a YAML string (for example 1.10 is a float). v1 ignored it; fluxport quoted it to write the marker.",
        "Nothing to do; keep tags quoted.";
    SEMVER_TWO_PART = Warning, "§4.4",
        "The current tag has fewer than three version parts; v2 semver policies ignore such tags.",
        "Publish tags as MAJOR.MINOR.PATCH, or use a filterTags pattern with numerical ordering.";
    BUILD_TIME_ORDERING_LOST = Warning, "§4.4",
        "v1 picked the newest image by build time; v2 cannot order by build time. The policy was emitted suspended with a TODO.",
        "Adopt sortable tags (e.g. <branch>-<sha>-<timestamp>), set filterTags.extract + numerical ordering, then remove `suspend: true`.";
    ORDERING_INFERRED = Warning, "§4.4 (docs/image-tag-order.md)",
        "v1 picked the newest image by build time. The current tag carries a sortable part of a known fixed shape (timestamp, Unix time, build number or semver), so the ImagePolicy was written active: the v1 pattern narrowed to that shape, `extract` of its named group, and numerical, alphabetical or semver order. Tags of any other shape are no longer candidates.",
        "Before the cut-over, check that CI has built every tag in this shape since the current one (the runbook lists each policy). If not, set `suspend: true` and fix the tags first.";
    LATEST_NOOP = Info, "§4.4",
        "The filter `latest` never moved in v1; no policy was emitted.",
        "For digest pinning use `digestReflectionPolicy: Always` with an interval and a :digest marker.";
    LATEST_MAY_MATCH = Warning, "§4.4",
        "The translated pattern can match the tag `latest`, which v1 always excluded.",
        "Tighten the pattern so it cannot match `latest`.";
    AUTOMATION_DISABLED = Warning, "§3.1",
        "fluxd ran with --git-readonly or --registry-disable-scanning, so v1 never updated images; no image automation objects or markers were written and the v1 automation annotations were removed.",
        "Nothing to do, or add ImageRepository/ImagePolicy/ImageUpdateAutomation objects by hand if you now want automation.";
    MARKER_NOT_WRITTEN = Warning, "§4.8",
        "The image field already carries a line comment, is inside a flow collection or is a block scalar, so no `$imagepolicy` marker could be added on its line without rewriting it; no policy was emitted for that container.",
        "Move the comment or rewrite the field in block style, then add the marker and policy by hand.";
    REGISTRY_CREDS = Warning, "§4.5",
        "The workload pulls with imagePullSecrets; the ImageRepository needs a Secret in its own namespace.",
        "Copy the pull secret into the automation namespace and keep the written secretRef.";
    // ---- pre-flight (`fluxport verify`, docs/adr/0008-preflight.md) ----
    VERIFY_BUILD = Error, "§3.2",
        "kustomize-controller cannot build this Kustomization's path: an entry names nothing, a directory has no kustomization file, a patch has no target, an object is defined twice, a file of a generated build is not a Kubernetes object, or its postBuild substitution fails (an expression envsubst cannot parse, such as `${var-default}`, or an invalid variable name).",
        "Fix the kustomization file (or the file) at the reported line so that `kustomize build` of the path succeeds.";
    VERIFY_APPLIED_BY_HAND = Warning, "§3.2",
        "In a tree without Flux Kustomizations, an object that no build of a sync root holds (for example a `fluxport-sources.yaml` written beside the top-level kustomizations when the sync roots are unknown) is referenced from a cluster's build. The pre-flight accepts the reference, but no sync applies the object: only applying the file by hand gives the cluster it.",
        "List the file in the kustomization of each cluster that needs it, or convert again with --sync-path per cluster (then fluxport places the sources in each root), or apply the file by hand with each cluster.";
    VERIFY_PATH_MISSING = Error, "§3.2",
        "A Flux Kustomization's `spec.path` names no directory of the repository; the Kustomization fails with `kustomization path not found`.",
        "Point `spec.path` at an existing directory (relative to the source's root), or add the directory.";
    VERIFY_PATCH_NO_TARGET = Warning, "§3.2",
        "A patch's target selector selects no object of the build: kustomize applies nothing, silently.",
        "Fix the selector (kind, name, namespace) or remove the patch.";
    VERIFY_REMOTE_BASE = Info, "§3.2",
        "An entry is a URL or remote git base; the pre-flight cannot fetch it, so what it adds to the build is not checked offline.",
        "Nothing to do; check the remote base with `flux build` or vendor it into the repository.";
    VERIFY_DUPLICATE_OBJECT = Error, "§3.2",
        "The same object (API group, kind, namespace, name) is defined twice in one cluster: by two Kustomizations, or twice in one generated build. The two applies fight over it, or the build fails.",
        "Keep one definition; remove the object from the other Kustomization's path.";
    VERIFY_SYNC_ROOTS_GUESSED = Info, "§3.2",
        "The tree has no Flux Kustomization and the sync roots are unknown (no fluxd manifest in the input, no --sync-path), so the pre-flight checked each top-level kustomization (one no other kustomization includes) as its own cluster, and did not build the files outside them.",
        "Give `--sync-path` once per cluster (the paths its fluxd applied, joined by commas), so that each cluster's build is checked as Flux v2 will apply it.";
    VERIFY_NO_NAMESPACE = Error, "§3.3",
        "A namespaced object is applied without a namespace and its Kustomization has no `spec.targetNamespace`: kustomize-controller rejects it (`namespace not specified`).",
        "Set `metadata.namespace`, a `namespace:` in the kustomization file, or `spec.targetNamespace` on the Kustomization.";
    VERIFY_V1_OBJECT = Error, "§2.10",
        "A Flux v1 object (helm.fluxcd.io, flux.weave.works, helm.integrations.flux.weave.works) is in a Flux v2 build. Once the v1 CRDs are deleted, as the runbook says, the whole apply fails with `no matches for kind`.",
        "Convert the object to Flux v2, or remove it from the build.";
    // ---- pre-GA Flux v2 objects upgraded to the served versions (docs/preGA-upgrades.md) ----
    UPGRADE_API = Info, "§0a",
        "A Flux v2 object on an apiVersion other than the one the targeted Flux minor stores (--flux-version) (for example helm.toolkit.fluxcd.io/v2beta1) was moved to that version; its fields were upgraded per docs/preGA-upgrades.md.",
        "Review the diff of the object; the other UPGRADE_* findings list each field that changed.";
    UPGRADE_FIELD_RENAMED = Info, "§0a",
        "A field of a pre-GA Flux v2 object has another name or shape in the served version and was rewritten (for example HelmRelease chart.spec.valuesFile → valuesFiles).",
        "Nothing to do; the object means what it meant.";
    UPGRADE_FIELD_DEFAULTED = Info, "§0a",
        "A field the served version requires was absent; the old version's default was written out (Kustomization prune: false).",
        "Set the value you want (prune: true is what flux bootstrap writes).";
    UPGRADE_FIELD_DROPPED = Warning, "§0a",
        "A field of a pre-GA Flux v2 object does not exist in the served version and was removed (Kustomization validation, GitRepository gitImplementation, GitRepository/HelmChart/Bucket accessFrom, an Alert summary that eventMetadata.summary overrode); the message keeps what it said.",
        "Check that nothing relied on it: validation is done by server-side apply now, go-git is the only Git implementation, accessFrom was never implemented (provisional), an overridden summary was never shown.";
    UPGRADE_FIELD_UNCONVERTED = Warning, "§0a",
        "A field of a pre-GA Flux v2 object has another shape in the served version that fluxport cannot write exactly (patchesStrategicMerge/patchesJson6902 with anchors, aliases or tags; a HelmRepository timeout in hours); it was left as it was, so the API server rejects the object.",
        "Rewrite the field as the message says (for patches: `patches:` entries, each with `patch:` and an optional `target:`) before applying.";
    UPGRADE_FIELD_CHANGED = Warning, "§0a",
        "A field of a pre-GA Flux v2 object is kept as written but means something else in the served version (HelmRelease v2beta1 driftDetection: provisional and ignored by v2beta1, in effect in v2).",
        "Check that the new meaning is what you want, or remove the field.";
    UPGRADE_DEFAULT_CHANGED = Info, "§0a",
        "A field left unset in a pre-GA Flux v2 object has another default in the served version (HelmRelease v2beta1 maxHistory: 10 → 5); nothing was written.",
        "Set the field if you relied on the old default.";
    VERIFY_API_NOT_SERVED = Error, "§0",
        "The object's Flux apiVersion is not served by the targeted Flux minor's CRDs (--flux-version, default 2.9) (for example helm.toolkit.fluxcd.io/v2beta1); the API server rejects it.",
        "Use the served version (see the message) and port the fields that changed.";
    VERIFY_INVALID_NAME = Error, "fluxport",
        "metadata.name or metadata.namespace (or a HelmRelease's spec.targetNamespace, spec.storageNamespace or spec.releaseName) breaks the Kubernetes rules (k8s.io/apimachinery validation.go): a namespace is an RFC 1123 label (at most 63 characters of a-z, 0-9 and `-`, starting and ending alphanumeric), a Service name an RFC 1035 label (the same, starting with a letter), other names an RFC 1123 subdomain (at most 253, dots allowed), and a Helm release name too (Helm `chartutil.ValidateReleaseName`).",
        "Rename the object (lowercase, no `_`); for a templated value, render it before converting.";
    VERIFY_RELEASE_NAME_TOO_LONG = Error, "§2.2",
        "The HelmRelease's effective Helm release name (`spec.releaseName`, or `[targetNamespace-]name`) is longer than Helm's 53 characters: the CRD rejects an explicit one, and helm-controller shortens a derived one to a hashed name (a new release).",
        "Set a `spec.releaseName` of at most 53 characters (the v1 release name when migrating).";
    VERIFY_RELEASE_CLASH = Error, "§2.2",
        "Two HelmReleases of one cluster have the same Helm release name and storage namespace: helm-controller would have both upgrade the same release.",
        "Give one of them another `spec.releaseName` or `spec.storageNamespace`, or remove the duplicate.";
    VERIFY_REF_MISSING = Error, "§1",
        "A reference (sourceRef, chartRef, dependsOn, imageRepositoryRef, marker) names an object that is not in the repository (in this cluster): the referring object never becomes ready.",
        "Add the referenced object, or fix the reference's kind, name or namespace.";
    VERIFY_BOOTSTRAP_REF = Error, "§2.10",
        "A reference names an object that `flux bootstrap` creates (GitRepository or Kustomization flux-system/flux-system) and that is not in the repository. Without bootstrap it does not exist.",
        "Run `flux bootstrap` for this repository (then verify with --assume-bootstrap), or add the object.";
    VERIFY_BOOTSTRAP_ASSUMED = Info, "§2.10",
        "A reference names an object that `flux bootstrap` creates (flux-system/flux-system); it was accepted because bootstrap was assumed (--assume-bootstrap). The runbook lists it.",
        "Make sure `flux bootstrap` runs for this repository before these objects are applied.";
    VERIFY_EXTERNAL_REF = Info, "§2.6",
        "A `valuesFrom` or `secretRef` target is not in the repository. Secrets and ConfigMaps often live outside git; it must exist in the cluster.",
        "Nothing to do if the object is created outside git; otherwise add it.";
    VERIFY_MARKER_UNKNOWN_POLICY = Error, "§4.8",
        "An `$imagepolicy` marker names an ImagePolicy that is not in the repository: image-automation-controller never updates that field.",
        "Fix the marker's `namespace:name`, or add the ImagePolicy.";
    VERIFY_MARKER_NOT_COVERED = Warning, "§4.8",
        "A file holds an `$imagepolicy` marker for a policy, but no ImageUpdateAutomation of the policy's namespace has an `update.path` covering the file: that image is never updated.",
        "Widen the ImageUpdateAutomation's `spec.update.path`, or add an automation for that path.";
    VERIFY_SUBSTITUTION_UNKNOWN = Info, "§3.2",
        "A `${var}` in an object's name or namespace, or in a field the pre-flight checks (a reference, a HelmRelease's release name or namespaces, an automation's `update.path` or `policySelector`, an ImagePolicy's labels), is set neither by the Kustomization's `postBuild.substitute` nor by a `substituteFrom` source in the repository, and a source that is not in the repository (or a Secret's base64 `data`) may set it; or it uses an envsubst function the pre-flight does not evaluate (`${#var}`, `${var:1:2}`, `${var/a/b}`, `${var%x}`): the value the cluster gets is unknown offline, so that check is skipped.",
        "Nothing to do if the ConfigMap/Secret lives outside git; otherwise add it, or set the variable in `postBuild.substitute`.";
    VERIFY_SUBSTITUTION_UNDEFINED = Error, "§3.2",
        "A `${var}` in an object's name or namespace, or in a field the pre-flight checks (a reference, a HelmRelease's release name or namespaces, an automation's `update.path` or `policySelector`, an ImagePolicy's labels), is set by neither `postBuild.substitute` nor any `substituteFrom` source, and has no default: kustomize-controller substitutes the empty string (or, with strict substitution, fails the build).",
        "Set the variable in `postBuild.substitute` or a `substituteFrom` ConfigMap/Secret, give it a default (`${var:=value}`), or escape it as `$${var}`.";
    VERIFY_COMMON_METADATA_INVALID = Error, "§3.2",
        "A label key, label value or annotation key of the Kustomization's `spec.commonMetadata` is not what the API server accepts (a key is an optional DNS subdomain prefix and `/`, then at most 63 letters, digits, `-`, `_`, `.`, starting and ending alphanumeric; a value is empty or such a name). The CRD does not check it; kustomize-controller sets it on every object of the build, so the apply's dry-run rejects the first one and the whole apply fails.",
        "Fix the key or value in `spec.commonMetadata`.";
    VERIFY_COMMON_METADATA_AFTER_SUBSTITUTION = Warning, "§3.2",
        "The Kustomization's `spec.commonMetadata` sets `kustomize.toolkit.fluxcd.io/substitute: disabled`, but kustomize-controller sets common metadata when it applies, after postBuild substitution: the objects are substituted anyway.",
        "Put the label or annotation on the objects themselves (or in the kustomization's `labels`/`commonAnnotations`, which the build applies), not in `spec.commonMetadata`.";
    VERIFY_COMMON_METADATA_SKIPS_APPLY = Warning, "§3.2",
        "The Kustomization's `spec.commonMetadata` sets `kustomize.toolkit.fluxcd.io/reconcile: disabled` or `kustomize.toolkit.fluxcd.io/ssa: ignore`: kustomize-controller sets it on every object before the server-side apply, whose exclusion selector then skips every object of the build, so the Kustomization applies nothing.",
        "Remove it from `spec.commonMetadata`; set it on the objects that must be skipped, or suspend the Kustomization.";
    VERIFY_IMAGE_OVERRIDDEN = Warning, "§4.8",
        "A container's `image:` line (or an `images:` entry) carries an `$imagepolicy` marker that an ImageUpdateAutomation updates, but a later `images:` entry of the build (a kustomization file's own, or the Flux Kustomization's `spec.images`, which kustomize-controller merges into the path's kustomization) sets that container's tag or digest and carries no marker: the automation commits new tags that never reach the cluster.",
        "Put the marker on the `newTag` of the entry that wins (the conversion does so for overlays), or remove that entry.";
    VERIFY_SCHEMA = Error, "§0",
        "The object breaks the `openAPIV3Schema` of the served version of its CRD (a wrong type, a value outside an enum, a string that does not match the field's `pattern`, a missing required field, a length, bound or item count out of range, two items with the same key in a list the schema keys by a field): the API server rejects it. The message gives the field path, what the schema expects and what the object has.",
        "Fix the field as the message says (`kubectl explain` or the Flux API reference shows the schema).";
    VERIFY_UNKNOWN_FIELD = Warning, "§0",
        "The object has a field that the served version of its CRD does not declare. The API server prunes unknown fields of structural schemas without an error, so the setting is silently lost.",
        "Remove the field, or move it to where the served API version has it (it may be from an older API version).";
    VERIFY_CEL = Error, "§0",
        "The object breaks one of its CRD's `x-kubernetes-validations` (CEL) rules; the message is the rule's own message. The API server rejects the object.",
        "Change the fields the message names so the rule holds.";
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Code {
    pub fn parse(s: &str) -> Option<Code> {
        let s = s.trim().trim_start_matches("WARN(").trim_end_matches(')');
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
    }

    /// The text `fluxport explain CODE` prints.
    pub fn explain(self) -> String {
        format!(
            "{code} ({sev}, MAPPING.md {sec})\n\nWhat it means:\n  {m}\n\nHow to fix:\n  {f}\n",
            code = self.as_str(),
            sev = self.severity().as_str(),
            sec = self.section(),
            m = self.meaning(),
            f = self.fix()
        )
    }
}
