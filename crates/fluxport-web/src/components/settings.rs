//! The Settings tab: the conversion options (the flags of the v1 daemons) and
//! "Remember settings". A view function: the options live in the shell (both
//! conversions use them).

use crate::app::App;
use crate::state::Msg;
use fluxport_core::{FluxVersion, HelmVersion, Mode, Options, SourcesPlacement, Target};
use web_sys::HtmlInputElement;
use yew::html::Scope;
use yew::prelude::*;

pub fn settings(link: &Scope<App>, options: &Options, remember: bool) -> Html {
    let o = options.clone();
    let set = |f: fn(&mut Options, String)| {
        let o = o.clone();
        link.callback(move |e: Event| {
            let v = match e.target_dyn_into::<HtmlInputElement>() {
                Some(i) => i.value(),
                None => e
                    .target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value(),
            };
            let mut o = o.clone();
            f(&mut o, v);
            Msg::Options(o)
        })
    };
    let on_bootstrap = {
        let o = o.clone();
        link.callback(move |e: Event| {
            let mut o = o.clone();
            o.assume_bootstrap = e.target_unchecked_into::<HtmlInputElement>().checked();
            Msg::Options(o)
        })
    };
    let on_remember = link.callback(|e: Event| {
        Msg::Remember(e.target_unchecked_into::<HtmlInputElement>().checked())
    });
    html! {
        <form class="settings" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
            <h2>{"Conversion settings"}</h2>
            <p class="muted">{"These mirror the flags of your Flux v1 daemons (fluxd and helm-operator). Changing one converts again."}</p>
            <div class="grid">
                <label for="s-helm">{"Default Helm version"}</label>
                <select id="s-helm" onchange={set(|o, v| { o.default_helm_version = HelmVersion::parse(&v).unwrap_or(HelmVersion::V2); o.mark_explicit("default-helm-version") })}>
                    <option value="v2" selected={o.default_helm_version == HelmVersion::V2}>{"v2"}</option>
                    <option value="v3" selected={o.default_helm_version == HelmVersion::V3}>{"v3"}</option>
                </select>
                <p class="help">{"helm-operator's first --enabled-helm-versions: used for HelmReleases without spec.helmVersion."}</p>

                <label for="s-chart">{"Chart sync interval"}</label>
                <input id="s-chart" type="text" value={o.chart_sync_interval.clone()} onchange={set(|o, v| { o.chart_sync_interval = v.trim().to_string(); o.mark_explicit("chart-sync-interval") })} />
                <p class="help">{"helm-operator --charts-sync-interval; becomes HelmRelease spec.interval."}</p>

                <label for="s-git">{"Git poll interval"}</label>
                <input id="s-git" type="text" value={o.git_poll_interval.clone()} onchange={set(|o, v| { o.git_poll_interval = v.trim().to_string(); o.mark_explicit("git-poll-interval") })} />
                <p class="help">{"helm-operator --git-poll-interval; becomes the chart GitRepository spec.interval."}</p>

                <label for="s-mode">{"Mode"}</label>
                <select id="s-mode" onchange={set(|o, v| o.mode = if v == "idiomatic" { Mode::Idiomatic } else { Mode::Strict })}>
                    <option value="strict" selected={o.mode == Mode::Strict}>{"Strict — reproduce v1 behaviour exactly"}</option>
                    <option value="idiomatic" selected={o.mode == Mode::Idiomatic}>{"Idiomatic — drop fidelity-only fields"}</option>
                </select>
                <p class="help">{"Strict keeps every field needed to behave like v1; idiomatic gives shorter, typical Flux v2 manifests."}</p>

                <label for="s-place">{"Sources placement"}</label>
                <select id="s-place" onchange={set(|o, v| o.sources_placement = if v == "inline" { SourcesPlacement::Inline } else { SourcesPlacement::SyncRoot })}>
                    <option value="sync-root" selected={o.sources_placement == SourcesPlacement::SyncRoot}>{"New fluxport-sources.yaml at each sync root"}</option>
                    <option value="inline" selected={o.sources_placement == SourcesPlacement::Inline}>{"Inline, appended to the first file that uses them"}</option>
                </select>
                <p class="help">{"Where generated HelmRepository and GitRepository objects are written."}</p>

                <label for="s-target">{"Target"}</label>
                <select id="s-target" onchange={set(|o, v| o.target = if v == "helm3-on-flux-v1" { Target::Helm3OnFluxV1 } else { Target::FluxV2 })}>
                    <option value="flux-v2" selected={o.target == Target::FluxV2}>{"Flux v2"}</option>
                    <option value="helm3-on-flux-v1" selected={o.target == Target::Helm3OnFluxV1}>{"Helm 3 on Flux v1"}</option>
                </select>
                <p class="help">{"Flux v2 converts everything; “Helm 3 on Flux v1” stays on helm-operator and only moves Helm 2 releases to Helm 3."}</p>

                <label for="s-flux">{"Flux version"}</label>
                <select id="s-flux" onchange={set(|o, v| o.flux_version = FluxVersion::parse(&v).unwrap_or_default())}>
                    { for FluxVersion::ALL.into_iter().map(|v| html! {
                        <option value={v.as_str()} selected={o.flux_version == v}>{format!("Flux {v}")}</option>
                    }) }
                </select>
                <p class="help">{"--flux-version: the Flux minor the cluster runs. Pre-GA objects are upgraded to the apiVersions it stores, and the pre-flight accepts only the versions it serves (2.7 still serves the v1beta2/v2beta2 betas, 2.8 the image and notification v1beta2, 2.9 none)."}</p>

                <label for="s-paths">{"Sync paths"}</label>
                <input id="s-paths" type="text" placeholder="e.g. clusters/prod, apps" value={o.sync_paths.join(", ")}
                    onchange={set(|o, v| o.sync_paths = v.split([',', '\n']).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())} />
                <p class="help">{"fluxd --git-path values, comma separated. Empty: read from a fluxd Deployment in the input, else the whole input is one root."}</p>

                <label for="s-ns">{"Default namespace"}</label>
                <input id="s-ns" type="text" value={o.default_namespace.clone()} onchange={set(|o, v| { o.default_namespace = v.trim().to_string(); o.mark_explicit("default-namespace") })} />
                <p class="help">{"fluxd --k8s-default-namespace: used for objects without a namespace."}</p>

                <label for="s-bootstrap">{"Assume flux bootstrap"}</label>
                <input id="s-bootstrap" class="check-input" type="checkbox" checked={o.assume_bootstrap} onchange={on_bootstrap} />
                <p class="help">{"Pre-flight (--assume-bootstrap): a reference to GitRepository or Kustomization flux-system/flux-system, which flux bootstrap creates, is accepted (info; the runbook lists the objects) instead of an error."}</p>
            </div>
            <div class="settings-foot">
                <label class="check"><input id="s-remember" type="checkbox" checked={remember} onchange={on_remember} />
                    {" Remember settings in this browser (localStorage; nothing else is stored)"}</label>
                <span class="grow"></span>
                <button type="button" class="btn" onclick={link.callback(|_| Msg::ResetSettings)}>{"Reset to defaults"}</button>
            </div>
        </form>
    }
}
