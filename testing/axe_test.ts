import { deepEqual, equal, match } from "node:assert/strict";
import { launchBrowser } from "./browser.ts";
import { axeViolations, describeViolations } from "./axe.ts";

Deno.test("axeViolations finds a nameless button and low contrast, and passes a clean page", async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.setContent(`<!doctype html><html lang="en"><head><title>t</title></head><body>
      <main><button></button><p style="color:#aaa;background:#fff">faint</p></main></body></html>`);
    const found = await axeViolations(page);
    const ids = found.map((v) => v.id).sort();
    deepEqual(ids, ["button-name", "color-contrast"], describeViolations(found));
    match(describeViolations(found), /critical button-name: .*\(button\)/);

    await page.setContent(`<!doctype html><html lang="en"><head><title>t</title></head><body>
      <main><button>Go</button><p>clear</p></main></body></html>`);
    equal((await axeViolations(page)).length, 0);
  } finally {
    await browser.close();
  }
});
