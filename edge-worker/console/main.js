// The console's shell: unlock with the admin token, then projects, providers and users.
import { api, token, whenUnauthorized } from "./api.js";
import { $, showError, clearError } from "./dom.js";
import { initProjects, showProjects } from "./projects.js";
import { initProviders } from "./providers.js";
import { initUsers } from "./users.js";

function locked(error) {
  token.clear();
  $("app").hidden = true;
  $("lock").hidden = true;
  $("unlock-view").hidden = false;
  $("admin-token").value = "";
  if (error) showError($("unlock-error"), error);
  $("admin-token").focus();
  document.body.dataset.state = "locked";
}

async function unlocked() {
  const { projects } = await api("GET", "/admin/projects");
  clearError($("unlock-error"));
  $("unlock-view").hidden = true;
  $("app").hidden = false;
  $("lock").hidden = false;
  showProjects(projects);
  document.body.dataset.state = "unlocked";
  $("projects-title").focus?.();
}

$("unlock-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const given = $("admin-token").value.trim();
  if (!given) {
    showError($("unlock-error"), { code: "invalid_request", description: "type the admin token" });
    $("admin-token").focus();
    return;
  }
  token.set(given);
  $("unlock").disabled = true;
  try {
    await unlocked();
  } catch (e) {
    if (e.status === 401) locked(e);
    else showError($("unlock-error"), e);
  } finally {
    $("unlock").disabled = false;
  }
});

$("lock").addEventListener("click", () => locked());
whenUnauthorized((e) => locked(e));

initProjects();
initProviders();
initUsers();

$("projects-title").setAttribute("tabindex", "-1");
if (token.get()) {
  unlocked().catch((e) => locked(e));
} else {
  locked();
}
document.body.dataset.ready = "true";
