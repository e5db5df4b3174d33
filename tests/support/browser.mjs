// Debian's Chromium driven by playwright-core (no browser download), with the flags that
// work as root on an offline machine.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.KITH_CHROMIUM ?? "/usr/bin/chromium";

export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), "kith-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  let cdp;
  let opening = Promise.resolve();
  return {
    context,
    /**
     * A page in a window of its own. A second tab of one window is a background tab, and
     * Chromium holds its animation frames to one a second even with the flags above: every
     * click (which waits for frames) then takes seconds, and a slow machine times out.
     */
    newPage() {
      // One at a time: the page is recognised as the next one the context opens.
      const page = opening.then(async () => {
        cdp ??= await context.newCDPSession(context.pages()[0] ?? (await context.newPage()));
        const opened = context.waitForEvent("page");
        await cdp.send("Target.createTarget", { url: "about:blank", newWindow: true });
        return opened;
      });
      opening = page.catch(() => {});
      return page;
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
