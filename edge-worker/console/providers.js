// Providers of the open project: the list (secrets shown only as set / not set) and one form
// per kind (PUT /admin/projects/{pid}/providers/{provider}).
import { api, projectPath } from "./api.js";
import { $, h, field, checkbox, lines, words, showError, clearError } from "./dom.js";
import { KINDS, OPTIONS, ENDPOINTS, kindOf } from "./kinds.js";

let pid = null;

async function load() {
  const list = $("provider-list");
  list.replaceChildren();
  if (!pid) return;
  try {
    const { providers } = await api("GET", projectPath(pid, "/providers"));
    list.replaceChildren(...providers.map(card));
    if (!providers.length) list.append(h("li", { class: "meta" }, "No providers yet."));
  } catch (e) {
    const p = h("p", { class: "error", role: "alert" });
    showError(p, e);
    list.append(h("li", {}, p));
  }
}

function card(p) {
  const kind = KINDS[kindOf(p.provider)];
  return h("li", { "data-provider": p.provider },
    h("h3", {}, p.provider, h("span", { class: p.enabled ? "badge" : "badge off" }, p.enabled ? "enabled" : "disabled")),
    h("p", { class: "meta" }, `${kind?.label ?? "provider"} · client id `, h("code", {}, p.client_id)),
    h("p", { class: "meta" }, "Client secret: ", h("strong", { class: "secret-state" }, p.has_client_secret ? "set" : "not set")),
    h("p", { class: "meta" }, `Scopes: ${(p.scopes ?? []).join(" ")}`),
    h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: () => edit(p) }, `Edit ${p.provider}`)));
}

function kindField(f, value, isSet) {
  const id = `f-${f.key}`;
  if (f.type === "secret") {
    const state = `${f.label}: ${isSet ? "set" : "not set"}.`;
    return field({ id, label: f.label, type: f.multiline ? "textarea" : "password", help: `${state} ${f.help}`, attrs: { autocomplete: "off", spellcheck: "false", "data-secret": "true" } });
  }
  if (f.type === "list") return field({ id, label: f.label, type: "textarea", rows: 2, value: (value ?? []).join("\n"), help: f.help });
  return field({ id, label: f.label, value, help: f.help, required: f.required });
}

/** Builds the form for `kindKey`, filled from the stored provider `p` (or empty: a new one). */
function form(kindKey, p) {
  const kind = KINDS[kindKey];
  const f = $("provider-form");
  const o = p?.options ?? { use_email_as_identifier: true, allow_email_account_merge: true, verify_email: false, sign_up_enabled: true, sign_in_enabled: true, expose_tokens_to_client: false };
  const name = p ? [h("p", {}, "Provider ", h("code", {}, p.provider))]
    : kind.custom ? field({ id: "f-name", label: "Name", required: true, help: "Letters, digits, '-' and '.'; the provider is called oidc:<name>.", attrs: { pattern: "[A-Za-z0-9.-]+" } })
    : [h("p", {}, "Provider ", h("code", {}, kindKey))];
  const advanced = h("details", {}, h("summary", {}, "Advanced: endpoints and client authentication"),
    ...ENDPOINTS.flatMap(([k, label]) => field({ id: `f-${k}`, label, type: "url", value: p?.[k] ?? "", help: k === "authorization_endpoint" ? "Empty: the provider's default (or discovery's). Set only for sovereign clouds or local stand-ins." : undefined })),
    h("label", { for: "f-auth-method" }, "Token endpoint authentication"),
    h("select", { id: "f-auth-method", name: "token_endpoint_auth_method" },
      h("option", { value: "" }, "Default for this provider"),
      h("option", { value: "client_secret_basic" }, "client_secret_basic (HTTP Basic)"),
      h("option", { value: "client_secret_post" }, "client_secret_post (in the body)")));
  const children = [
    h("h3", { id: "provider-form-title", tabindex: "-1" }, p ? `Edit ${p.provider}` : `Add ${kind.label}`),
    h("p", { class: "help" }, kind.help),
    ...name,
    ...checkbox({ id: "f-enabled", label: "Enabled", checked: p?.enabled ?? true }),
    ...field({ id: "f-client_id", label: "Client id", value: p?.client_id ?? "", required: true, help: "The client (app) id the provider issued; id_tokens must be for it." }),
    ...kind.fields.flatMap((x) => kindField(x, p?.[x.key], p?.has_client_secret)),
    ...field({ id: "f-allowed_client_ids", label: "Other accepted client ids (one per line)", type: "textarea", rows: 2, value: (p?.allowed_client_ids ?? []).join("\n"), help: "id_tokens issued to these clients are accepted too (e.g. your iOS and Android apps)." }),
    ...field({ id: "f-scopes", label: "Scopes (space separated)", value: (p?.scopes ?? []).join(" "), help: "Empty: the provider's defaults." }),
    h("fieldset", {}, h("legend", {}, "Account options"), ...OPTIONS.flatMap(([k, label, help]) => checkbox({ id: `o-${k}`, label, checked: o[k], help }))),
    advanced,
    h("p", { class: "error", role: "alert", id: "provider-error", hidden: true }),
    h("p", { class: "status", role: "status", id: "provider-status" }),
    h("div", { class: "actions" },
      h("button", { type: "submit", id: "save-provider" }, "Save provider"),
      h("button", { type: "button", class: "secondary", onclick: close }, "Cancel")),
  ];
  f.replaceChildren(...children.filter(Boolean)); // a field without help has no help node
  if (p?.token_endpoint_auth_method) $("f-auth-method").value = p.token_endpoint_auth_method;
  f.dataset.kind = kindKey;
  f.dataset.provider = p?.provider ?? (kind.custom ? "" : kindKey);
  f.hidden = false;
  $("provider-form-title").focus();
}

function close() {
  $("provider-form").hidden = true;
  $("provider-form").replaceChildren();
  $("add-provider").focus();
}

const edit = (p) => form(kindOf(p.provider), p);

function body(kindKey) {
  const v = (id) => $(id)?.value.trim() ?? "";
  const b = { enabled: $("f-enabled").checked, client_id: v("f-client_id"), allowed_client_ids: lines($("f-allowed_client_ids").value), options: {} };
  for (const [k] of OPTIONS) b.options[k] = $(`o-${k}`).checked;
  const scopes = words(v("f-scopes"));
  if (scopes.length) b.scopes = scopes;
  for (const [k] of ENDPOINTS) if (v(`f-${k}`)) b[k] = v(`f-${k}`);
  if (v("f-auth-method")) b.token_endpoint_auth_method = v("f-auth-method");
  for (const f of KINDS[kindKey].fields) {
    const raw = $(`f-${f.key}`).value;
    if (f.type === "list") b[f.key] = lines(raw);
    else if (f.type === "secret" ? raw !== "" : raw.trim() !== "") b[f.key] = f.type === "secret" ? raw : raw.trim();
  }
  return b;
}

async function save(ev) {
  ev.preventDefault();
  const f = $("provider-form");
  const err = $("provider-error");
  clearError(err);
  const kindKey = f.dataset.kind;
  let name = f.dataset.provider;
  if (!name) {
    const n = $("f-name").value.trim();
    if (!/^[A-Za-z0-9.-]+$/.test(n)) {
      showError(err, { code: "invalid_request", description: "the name: letters, digits, '-' and '.'" });
      $("f-name").focus();
      return;
    }
    name = `oidc:${n}`;
  }
  $("save-provider").disabled = true;
  try {
    const saved = await api("PUT", projectPath(pid, `/providers/${encodeURIComponent(name)}`), body(kindKey));
    await load();
    edit(saved);
    $("provider-status").textContent = `Saved ${saved.provider}.`;
  } catch (e) {
    showError(err, e);
    err.focus?.();
  } finally {
    if ($("save-provider")) $("save-provider").disabled = false;
  }
}

export function initProviders() {
  const select = $("new-kind");
  select.replaceChildren(...Object.entries(KINDS).map(([k, kind]) => h("option", { value: k }, kind.label)));
  $("add-provider-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    form(select.value, null);
  });
  $("provider-form").addEventListener("submit", save);
  document.addEventListener("kith:project", (ev) => {
    pid = ev.detail.pid;
    $("providers-view").hidden = !pid;
    $("provider-form").hidden = true;
    load();
  });
}
