// The admin console in real Chromium against the real stack (wrangler dev, local D1, the dev
// OP): unlock with the admin token (keyboard only), create a project, add the dev OP as a
// custom OIDC provider by discovery, sign in on the demo pointed at that project, find the
// user, set roles, revoke the sessions and watch the demo sign out at its next refresh
// (60 s access tokens), delete the user after a confirmation; and nothing overflows at 375 px.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { startStack } from "../support/stack.mjs";
import { launchBrowser } from "../support/browser.mjs";
import { signInOnDemo, loggedEvents } from "../support/demo.mjs";

let stack, browser, admin, demo, pid;

before(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  admin = await browser.newPage();
  demo = await browser.newPage();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

const focused = (page) => page.evaluate(() => document.activeElement?.id ?? null);
const text = (page, sel) => page.locator(sel).innerText();

test("the unlock form works from the keyboard alone and shows the API's error code", async () => {
  await admin.goto(stack.console);
  await admin.waitForSelector("body[data-ready=true][data-state=locked]");
  assert.equal(await focused(admin), "admin-token", "the token field has the focus");
  await admin.keyboard.type("not-the-token");
  await admin.keyboard.press("Enter");
  await admin.waitForSelector("#unlock-error:not([hidden])");
  assert.equal(await admin.getAttribute("#unlock-error", "data-code"), "unauthorized");
  assert.match(await text(admin, "#unlock-error"), /^unauthorized: /);
  assert.equal(await focused(admin), "admin-token", "back in the field to try again");
  await admin.keyboard.type(stack.adminToken);
  await admin.keyboard.press("Tab");
  assert.equal(await focused(admin), "unlock", "Tab moves from the field to the Unlock button");
  await admin.keyboard.press("Enter");
  await admin.waitForSelector("body[data-state=unlocked]");
  assert.ok(await admin.isVisible("#new-project"));
  const stored = await admin.evaluate(() => ({ session: sessionStorage.getItem("kith.admin.token"), local: JSON.stringify(localStorage) }));
  assert.equal(stored.session, stack.adminToken, "kept in sessionStorage");
  assert.ok(!stored.local.includes(stack.adminToken), "never in localStorage");
});

test("a project is created with a 60 s access token lifetime", async () => {
  await admin.click("#new-project");
  pid = await admin.inputValue("#p-id");
  assert.match(pid, /^[0-9a-f-]{36}$/);
  await admin.fill("#p-name", "Console e2e");
  await admin.fill("#p-origins", stack.demo);
  await admin.fill("#p-redirects", `${stack.demo}/`);
  await admin.fill("#p-access-ttl", "10");
  await admin.click("#save-project");
  await admin.waitForSelector("#project-error:not([hidden])");
  assert.equal(await admin.getAttribute("#project-error", "data-code"), "invalid_request", "the Worker's bound is shown");
  assert.match(await text(admin, "#project-error"), /access_token_ttl_secs must be 60-86400/);
  await admin.fill("#p-access-ttl", "60");
  await admin.click("#save-project");
  await admin.waitForFunction(() => document.querySelector("#project-status").textContent.includes("Saved"));
  assert.ok(await admin.isHidden("#project-error"));
  assert.equal(await admin.getAttribute(`#project-list button[data-pid="${pid}"]`, "aria-current"), "true");
});

test("the dev OP is added as a custom OIDC provider by discovery; its secret shows only as set", async () => {
  await admin.selectOption("#new-kind", "oidc");
  await admin.click("#add-provider");
  await admin.fill("#f-name", "dev");
  await admin.fill("#f-client_id", "kith-demo");
  assert.equal(await admin.getAttribute("#f-client_secret", "type"), "password");
  await admin.fill("#f-client_secret", "kith-demo-secret");
  await admin.fill("#f-issuer", stack.op);
  await admin.fill("#f-scopes", "openid email profile");
  await admin.click("#save-provider");
  await admin.waitForSelector('#provider-list li[data-provider="oidc:dev"]');
  assert.equal(await text(admin, '#provider-list li[data-provider="oidc:dev"] .secret-state'), "set");
  assert.equal(await admin.inputValue("#f-client_secret"), "", "the secret is never filled back in");
  assert.equal(await admin.inputValue("#f-authorization_endpoint"), `${stack.op}/auth`, "endpoints came from discovery");
  const page = await admin.content();
  assert.ok(!page.includes("kith-demo-secret"), "the secret is nowhere on the page");
});

/** Saves the open provider form and waits for its answer; the API's error, if any, is the failure. */
async function saveProvider(name) {
  await admin.click("#save-provider");
  await admin.waitForFunction(() => document.querySelector("#provider-status")?.textContent || !document.querySelector("#provider-error")?.hidden);
  assert.equal(await text(admin, "#provider-status"), `Saved ${name}.`, await admin.locator("#provider-error").textContent());
}

test("every other provider kind saves through its own form and fields", async () => {
  const appleKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" });
  const kinds = [
    ["google", "google", { "#f-client_secret": "g-secret", "#f-hosted_domain": "example.com" }, { hosted_domain: "example.com" }],
    ["apple", "apple", { "#f-team_id": "TEAM123456", "#f-key_id": "KEY1234567", "#f-private_key": appleKey }, { team_id: "TEAM123456", key_id: "KEY1234567" }],
    ["microsoft", "microsoft", { "#f-client_secret": "m-secret", "#f-tenant": "common" }, { tenant: "common" }],
    ["github", "github", { "#f-client_secret": "gh-secret" }, {}],
    ["facebook", "facebook", { "#f-client_secret": "fb-secret" }, {}],
    // Okta is configured from its issuer's discovery document: the dev OP serves one.
    ["okta", "okta", { "#f-client_secret": "o-secret", "#f-issuer": stack.op }, { issuer: stack.op }],
  ];
  for (const [kind, name, fields, stored] of kinds) {
    await admin.selectOption("#new-kind", kind);
    await admin.click("#add-provider");
    assert.equal(await admin.locator("#f-client_secret").count(), kind === "apple" ? 0 : 1, `${kind}: a client secret field only where the kind has one`);
    assert.equal(await admin.locator("#f-tenant").count(), kind === "microsoft" ? 1 : 0, `${kind}: no field of another kind`);
    assert.doesNotMatch(await admin.innerText("#provider-form"), /\b(null|undefined)\b/, `${kind}: no stray values in the form`);
    await admin.fill("#f-client_id", `${kind}-client`);
    for (const [sel, value] of Object.entries(fields)) await admin.fill(sel, value);
    await saveProvider(name);
    assert.equal(await text(admin, `#provider-list li[data-provider="${name}"] .secret-state`), "set", `${kind}: its secret shows as set`);
    for (const [key, value] of Object.entries(stored)) assert.equal(await admin.inputValue(`#f-${key}`), value, `${kind}: ${key} filled back in`);
    for (const secret of ["#f-client_secret", "#f-private_key"]) {
      if (await admin.locator(secret).count()) assert.equal(await admin.inputValue(secret), "", `${kind}: ${secret} never filled back in`);
    }
  }
  const providers = await (await fetch(`${stack.worker}/admin/projects/${pid}/providers`, { headers: { authorization: `Bearer ${stack.adminToken}` } })).json();
  assert.deepEqual(providers.providers.map((p) => p.provider).sort(), ["apple", "facebook", "github", "google", "microsoft", "oidc:dev", "okta"]);
  await admin.selectOption("#new-kind", "microsoft");
  await admin.click("#add-provider");
  await admin.fill("#f-client_id", "m2");
  await admin.fill("#f-tenant", "../evil");
  await admin.click("#save-provider");
  await admin.waitForSelector("#provider-error:not([hidden])");
  assert.equal(await admin.getAttribute("#provider-error", "data-code"), "invalid_request", "the API's refusal, with its code");
  // Only the dev OP signs in from here on.
  for (const name of ["google", "apple", "microsoft", "github", "facebook", "okta"]) {
    await admin.click(`#provider-list li[data-provider="${name}"] button`);
    await admin.uncheck("#f-enabled");
    await saveProvider(name);
  }
});

test("a sign-in on the demo pointed at that project shows up in the console's user search", async () => {
  await demo.goto(`${stack.demo}/?project=${pid}`);
  await demo.waitForSelector("body[data-ready=true]");
  assert.match(await text(demo, "#project-line"), new RegExp(pid));
  await signInOnDemo(demo, stack.demo, "alice");
  assert.equal(await text(demo, "#user-email"), "alice@example.com");
  assert.ok((await loggedEvents(demo)).includes("SIGNED_IN"));

  await admin.fill("#user-email", "Alice@Example.com");
  await admin.press("#user-email", "Enter");
  const card = admin.locator('#user-list li[data-email="alice@example.com"]');
  await card.waitFor();
  assert.match(await card.innerText(), /oidc:dev alice/);
  assert.match(await text(admin, "#users-status"), /^1 user found/);
  await card.locator("input").fill("admin, editor");
  await card.locator("button.save-roles").click();
  await admin.waitForFunction(() => document.querySelector("#user-list .role-list")?.textContent === "admin, editor");
});

test("revoking the sessions signs the demo out at its next refresh", async () => {
  assert.equal(await text(demo, "#user-email"), "alice@example.com");
  const card = admin.locator('#user-list li[data-email="alice@example.com"]');
  await card.locator("button.revoke").click();
  await card.locator(".status", { hasText: "Revoked 1 session" }).waitFor();
  // 60 s tokens: the SDK refreshes 15 s before expiry, is refused, and signs out.
  await demo.waitForSelector('#event-log li[data-event="SIGNED_OUT"]', { timeout: 75_000 });
  assert.equal(await text(demo, "#user-email"), "nobody");
  const events = await loggedEvents(demo);
  assert.ok(!events.includes("TOKEN_REFRESHED"), `the refresh was refused: ${events}`);
});

test("deleting a user asks first, and a dismissed confirmation deletes nothing", async () => {
  const card = admin.locator('#user-list li[data-email="alice@example.com"]');
  admin.once("dialog", (d) => d.dismiss());
  await card.locator("button.delete").click();
  await card.locator(".status", { hasText: "Not deleted." }).waitFor();
  admin.once("dialog", (d) => {
    assert.match(d.message(), /alice@example.com/);
    d.accept();
  });
  await card.locator("button.delete").click();
  await admin.waitForFunction(() => document.querySelector("#users-status").textContent.startsWith("Deleted alice@example.com"));
  assert.equal(await admin.locator("#user-list li[data-user]").count(), 0);
  assert.deepEqual(stack.d1(`SELECT count(*) AS n FROM users WHERE project_id = '${pid}'`), [{ n: 0 }]);
});

test("at 375 px nothing overflows horizontally, on the console and on the demo", async () => {
  for (const [page, what] of [[admin, "console"], [demo, "demo"]]) {
    await page.setViewportSize({ width: 375, height: 800 });
    if (page === admin) await admin.click(`#provider-list li[data-provider="oidc:dev"] button`);
    const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(scroll <= client, `${what}: content ${scroll}px wide in a ${client}px viewport`);
  }
});
