// Projects: the list, and the form that creates or edits one (PUT /admin/projects/{pid}
// replaces the whole project, so the form always sends every field).
import { api, projectPath } from "./api.js";
import { $, h, lines, showError, clearError } from "./dom.js";

const DEFAULTS = { sign_in_per_minute: 30, refresh_per_minute: 120, access_token_ttl_secs: 3600, session_ttl_secs: 2592000, refresh_grace_secs: 30 };
const SETTINGS = { sign_in_per_minute: "p-signin-rate", refresh_per_minute: "p-refresh-rate", access_token_ttl_secs: "p-access-ttl", session_ttl_secs: "p-session-ttl", refresh_grace_secs: "p-grace" };

let projects = [];
let current = null; // the selected project id, or null for a new one

/** Tells the providers and users panels which project is open (null: none yet). */
function announce(pid) {
  document.dispatchEvent(new CustomEvent("kith:project", { detail: { pid } }));
}

export function showProjects(list) {
  projects = list;
  const ul = $("project-list");
  ul.replaceChildren(...list.map((p) => h("li", {},
    h("button", { type: "button", "aria-current": p.id === current ? "true" : "false", "data-pid": p.id, onclick: () => open(p.id) }, p.name))));
  if (!list.length) ul.append(h("li", { class: "meta" }, "No projects yet."));
}

function fill(p) {
  $("p-id").value = p.id;
  $("p-id").readOnly = Boolean(current);
  $("p-name").value = p.name ?? "";
  $("p-origins").value = (p.allowed_origins ?? []).join("\n");
  $("p-redirects").value = (p.redirect_urls ?? []).join("\n");
  $("p-self").checked = p.self_registration ?? true;
  const s = { ...DEFAULTS, ...(p.settings ?? {}) };
  for (const [k, id] of Object.entries(SETTINGS)) $(id).value = s[k];
  $("p-mailer").hidden = !mailerKnown();
  $("p-mailer-url").value = p.mailer?.url ?? "";
  $("p-mailer-secret").value = "";
  $("p-mailer-secret-help").textContent = `Signing secret: ${p.mailer?.has_secret ? "set" : "not set"}. Write-only: stored sealed, never shown again; leave empty to keep it.`;
}

/** Whether this Worker's projects have a mailer (its admin API shows `mailer` on each). */
const mailerKnown = () => projects.some((p) => "mailer" in p);

/** The mailer change: absent keeps the stored one, `null` removes it, an object sets it. */
function mailer() {
  if (!mailerKnown()) return {};
  const url = $("p-mailer-url").value.trim();
  const secret = $("p-mailer-secret").value;
  const stored = projects.find((x) => x.id === current)?.mailer;
  if (url) return { mailer: { url, ...(secret ? { secret } : {}) } };
  return stored ? { mailer: null } : {};
}

function open(pid) {
  const p = projects.find((x) => x.id === pid);
  if (!p) return;
  current = pid;
  $("project-title").textContent = `Project: ${p.name}`;
  fill(p);
  clearError($("project-error"));
  $("project-status").textContent = "";
  $("project-view").hidden = false;
  showProjects(projects);
  announce(pid);
}

function create() {
  current = null;
  $("project-title").textContent = "New project";
  fill({ id: crypto.randomUUID(), name: "", allowed_origins: [], redirect_urls: [], self_registration: true });
  clearError($("project-error"));
  $("project-status").textContent = "";
  $("project-view").hidden = false;
  showProjects(projects);
  announce(null);
  $("p-name").focus();
}

function body() {
  const settings = {};
  for (const [k, id] of Object.entries(SETTINGS)) {
    const v = $(id).value.trim();
    settings[k] = v === "" ? DEFAULTS[k] : Number(v);
  }
  return {
    name: $("p-name").value.trim(),
    allowed_origins: lines($("p-origins").value),
    redirect_urls: lines($("p-redirects").value),
    self_registration: $("p-self").checked,
    settings,
    ...mailer(),
  };
}

async function save(ev) {
  ev.preventDefault();
  clearError($("project-error"));
  const pid = $("p-id").value.trim();
  const b = body();
  if (!b.name) {
    showError($("project-error"), { code: "invalid_request", description: "the project needs a name" });
    $("p-name").focus();
    return;
  }
  try {
    const saved = await api("PUT", projectPath(pid), b);
    const { projects: list } = await api("GET", "/admin/projects");
    projects = list;
    open(saved.id);
    $("project-status").textContent = `Saved “${saved.name}”.`;
  } catch (e) {
    showError($("project-error"), e);
  }
}

export function initProjects() {
  $("new-project").addEventListener("click", create);
  $("project-form").addEventListener("submit", save);
}
