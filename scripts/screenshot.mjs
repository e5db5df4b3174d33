// Takes docs/demo.png: the whole stack (scripts/dev.mjs on its own ports and state), the demo
// in headless Chromium signed in as alice through the dev OP, at a phone-ish width so the PNG
// stays small. Run after a build: `node scripts/screenshot.mjs` (KITH_SKIP_BUILD is implied).
import { mkdirSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startStack } from "../tests/support/stack.mjs";
import { launchBrowser } from "../tests/support/browser.mjs";
import { signInOnDemo } from "../tests/support/demo.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "docs", "demo.png");

const stack = await startStack({ opPort: 9450, workerPort: 8837, demoPort: 5223 });
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 720, height: 900 });
  await page.goto(`${stack.demo}/`);
  await page.waitForSelector("body[data-ready=true]");
  await signInOnDemo(page, stack.demo, "alice");
  await page.waitForFunction(() => document.querySelector("#user-email").textContent === "alice@example.com");
  // Collapse the raw claims: the picture shows the session, identities, sign-out and the log.
  await page.evaluate(() => document.querySelector("#signed-in details").removeAttribute("open"));
  await page.click("#call-api");
  await page.waitForFunction(() => document.querySelector("#api-result").dataset.state);
  mkdirSync(dirname(OUT), { recursive: true });
  await page.screenshot({ path: OUT, fullPage: true });
  console.log(`wrote ${OUT} (${Math.round(statSync(OUT).size / 1024)} KiB)`);
} finally {
  await browser.close();
  await stack.stop();
}
