// Users of the open project: search by email, identities, roles, revoke sessions, delete.
import { api, projectPath } from "./api.js";
import { $, h, words, date, showError, clearError } from "./dom.js";

let pid = null;
let lastQuery = "";

async function search(email) {
  lastQuery = email;
  const err = $("users-error");
  clearError(err);
  $("users-status").textContent = "Searching…";
  try {
    const q = email ? `?email=${encodeURIComponent(email)}` : "";
    const { users } = await api("GET", projectPath(pid, `/users${q}`));
    $("user-list").replaceChildren(...users.map(card));
    $("users-status").textContent = `${users.length} user${users.length === 1 ? "" : "s"} found.`;
  } catch (e) {
    $("users-status").textContent = "";
    showError(err, e);
  }
}

function card(u) {
  const rolesId = `roles-${u.id}`;
  const status = h("p", { class: "status", role: "status" });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const act = (f) => async () => {
    clearError(error);
    status.textContent = "";
    try {
      status.textContent = await f();
    } catch (e) {
      showError(error, e);
    }
  };
  const roles = h("input", { id: rolesId, value: (u.roles ?? []).join(", "), "aria-describedby": `${rolesId}-help` });
  return h("li", { "data-user": u.id, "data-email": u.email ?? "" },
    h("h3", {}, u.email ?? "(no email)", u.email_verified ? h("span", { class: "badge" }, "verified") : h("span", { class: "badge off" }, "unverified")),
    h("p", { class: "meta" }, "id ", h("code", {}, u.id)),
    u.name ? h("p", { class: "meta" }, `name: ${u.name}`) : null,
    h("p", { class: "meta" }, `created ${date(u.created_at)} · last sign-in ${date(u.last_sign_in_at)}`),
    h("p", { class: "meta roles" }, "Roles: ", h("strong", { class: "role-list" }, (u.roles ?? []).join(", ") || "none")),
    h("ul", { class: "identities", "aria-label": "Identities" }, ...(u.identities ?? []).map((i) =>
      h("li", { class: "meta" }, h("code", {}, i.provider), ` ${i.subject}`, i.email ? ` · ${i.email}` : "", ` · linked ${date(i.linked_at)}`))),
    h("label", { for: rolesId }, "Roles (comma separated)"),
    roles,
    h("p", { class: "help", id: `${rolesId}-help` }, "Each 1-64 characters; they appear in the access token's roles claim."),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "save-roles", onclick: act(async () => {
        const updated = await api("PUT", projectPath(pid, `/users/${encodeURIComponent(u.id)}/roles`), { roles: words(roles.value) });
        u.roles = updated.roles;
        const shown = $("user-list").querySelector(`li[data-user="${CSS.escape(u.id)}"] .role-list`);
        if (shown) shown.textContent = updated.roles.join(", ") || "none";
        return `Roles saved: ${updated.roles.join(", ") || "none"}.`;
      }) }, "Save roles"),
      h("button", { type: "button", class: "secondary revoke", onclick: act(async () => {
        const { revoked } = await api("POST", projectPath(pid, `/users/${encodeURIComponent(u.id)}/revoke-sessions`));
        return `Revoked ${revoked} session${revoked === 1 ? "" : "s"}. Their apps sign out at the next refresh.`;
      }) }, "Revoke sessions"),
      h("button", { type: "button", class: "danger delete", onclick: act(async () => {
        if (!confirm(`Delete ${u.email ?? u.id}? Their identities and sessions are deleted too. This cannot be undone.`)) return "Not deleted.";
        await api("DELETE", projectPath(pid, `/users/${encodeURIComponent(u.id)}`));
        await search(lastQuery);
        $("users-status").textContent = `Deleted ${u.email ?? u.id}.`;
        $("user-email").focus();
        return "";
      }) }, "Delete user")),
    error, status);
}

export function initUsers() {
  $("user-search").addEventListener("submit", (ev) => {
    ev.preventDefault();
    search($("user-email").value.trim());
  });
  document.addEventListener("kith:project", (ev) => {
    pid = ev.detail.pid;
    $("users-view").hidden = !pid;
    $("user-list").replaceChildren();
    $("users-status").textContent = "";
    clearError($("users-error"));
  });
}
