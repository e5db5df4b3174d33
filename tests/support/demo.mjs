// Playing a user on the demo page in Chromium: click a way in, then log in and consent at the
// dev OP (login form, consent form, or neither when the OP remembers both) until the browser
// is back on the demo.

/**
 * Clicks `selector` on `page` (the demo) and plays `account` at the OP until the page is back
 * on `demoOrigin` and ready. Returns the first URL back on the demo that carried a `state`
 * (the callback) — useful to replay it.
 */
export async function signInOnDemo(page, demoOrigin, account, selector = 'button[data-provider="oidc:dev"]') {
  const back = (u) => u.href.startsWith(demoOrigin);
  let callback;
  const seen = (f) => {
    if (f === page.mainFrame() && back(new URL(f.url())) && f.url().includes("state=")) callback ??= f.url();
  };
  page.on("framenavigated", seen);
  try {
    await page.click(selector);
    const deadline = Date.now() + 30_000;
    while (!callback) {
      if (Date.now() > deadline) throw new Error(`no callback; stuck at ${page.url()}`);
      if (back(new URL(page.url()))) {
        await page.waitForTimeout(50);
        continue;
      }
      await playOp(page, account);
    }
    await page.waitForSelector("body[data-ready=true]");
  } finally {
    page.off("framenavigated", seen);
  }
  return callback;
}

/** One step at the OP's dev interaction pages: fills the login form, submits the visible form. */
export async function playOp(page, account) {
  await page.waitForLoadState("load");
  const submit = page.locator('form button[type="submit"]');
  if (await page.locator('input[name="login"]').count()) {
    await page.fill('input[name="login"]', account);
    await page.fill('input[name="password"]', "any");
  }
  if (await submit.count()) {
    await Promise.all([page.waitForNavigation(), submit.first().click()]);
  } else {
    await page.waitForTimeout(50);
  }
}

/** The SDK's stored session on the demo page (localStorage), or null. */
export function storedSession(page) {
  return page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith("kith.session."));
    return key ? JSON.parse(localStorage.getItem(key)) : null;
  });
}

/** The auth events the demo's log shows, in order. */
export function loggedEvents(page) {
  return page.$$eval("#event-log li", (lis) => lis.map((li) => li.dataset.event));
}
