import { equal, ok } from "node:assert/strict";
import { CHROME_FLAGS, launchBrowser } from "./browser.ts";

Deno.test("launchBrowser() starts the system's headless Chromium with a closed network", async () => {
  ok(CHROME_FLAGS.includes("--headless"));
  ok(CHROME_FLAGS.includes("--disable-background-networking"));
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.setContent("<p id=x>hello</p>");
    equal(await page.textContent("#x"), "hello");
  } finally {
    await browser.close();
  }
});
