/**
 * The voice island renders on change, not every frame: in headless Chromium with recorded
 * speech as the microphone, the real server, relay and emulator, each part of the island
 * redraws only when a signal it reads changes. The transcript redraws exactly once per
 * transcript change while the meters move with the levels many times over.
 *
 * The page gets the real islands client bundled with one addition in front of it: a Preact
 * render hook that counts the renders of each part, and signal effects that count
 * the changes of what each part reads (served in place of the built `client-*.js`).
 *
 * @module
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { launchBrowser } from "@/testing/browser.ts";
import { bundleForBrowser } from "@/testing/bundle.ts";
import { fixturePath } from "@/testing/fixtures.ts";
import { startTestServer } from "@/testing/server.ts";

const ROOT = new URL("../", import.meta.url);

/** Installed before the islands client: counts renders per part and changes per concern. */
const COUNTER_MODULE = `
import { options } from "preact";
import { effect } from "@preact/signals";
import { DiagnosticsPanel, Meters, TranscriptList } from "@/islands/VoiceSession.tsx";

const counts = {
  renders: { transcript: 0, meters: 0, diagnostics: 0 },
  changes: { transcript: 0, levels: 0, diagnostics: 0 },
};
globalThis.__islandCounts = counts;
let watching = false;

function watch(store) {
  effect(() => {
    store.transcript.value;
    counts.changes.transcript++;
  });
  effect(() => {
    store.micLevel.value;
    store.assistantLevel.value;
    counts.changes.levels++;
  });
  // Everything the diagnostics panel reads.
  effect(() => {
    store.diagnostics.value;
    store.checks.value;
    store.controls.value;
    store.state.value;
    store.ready.value;
    store.notice.value;
    counts.changes.diagnostics++;
  });
}

// "__r" is Preact's (mangled) hook called just before a component's render function runs;
// Preact Signals hooks the same one. ("diffed" also runs for the renders a part skips.)
const render = options.__r;
options.__r = (vnode) => {
  render?.(vnode);
  if (vnode.type === TranscriptList) {
    if (!watching) {
      watching = true;
      // After the render under way, which Signals is tracking.
      queueMicrotask(() => watch(vnode.props.store));
    }
    counts.renders.transcript++;
  } else if (vnode.type === Meters) {
    counts.renders.meters++;
  } else if (vnode.type === DiagnosticsPanel) {
    counts.renders.diagnostics++;
  }
};
`;

/** The islands client with the counters in front, as one browser script. */
async function countingClient(): Promise<string> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const imports: Record<string, string> = {};
  for (const [key, value] of Object.entries<string>(config.imports)) {
    imports[key] = value.startsWith("./") ? new URL(value, ROOT).href : value;
  }
  return await bundleForBrowser(
    {
      "deno.json": JSON.stringify({
        imports,
        compilerOptions: { ...config.compilerOptions, jsx: "react-jsx" },
      }),
      "counters.js": COUNTER_MODULE,
      "entry.js": `import "./counters.js";\nimport "@/islands/_client.ts";\n`,
    },
    "entry.js",
    "the counting client",
  );
}

/** Counts animation frames from the first script on. */
function frameCounter() {
  const state = globalThis as unknown as { __frames: number };
  state.__frames = 0;
  const tick = () => {
    state.__frames++;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

interface Counts {
  renders: { transcript: number; meters: number; diagnostics: number };
  changes: { transcript: number; levels: number; diagnostics: number };
  frames: number;
}

Deno.test("the voice island redraws each part on its own changes, not every animation frame", async () => {
  const [script, server] = await Promise.all([countingClient(), startTestServer()]);
  await using _server = server;
  const browser = await launchBrowser({ fakeMicrophone: fixturePath("speech_48k.wav") });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.route(
      /\/_fresh\/client-[^/]*\.js$/,
      (route) => route.fulfill({ body: script, contentType: "text/javascript" }),
    );
    await page.addInitScript(frameCounter);
    await page.goto(server.url);
    await page.waitForSelector('[data-testid="power"]:not([disabled])');
    await page.click('[data-testid="power"]');
    // A whole exchange: the user's turn, then the coach's answer finished or interrupted.
    await page.waitForSelector(
      '[data-testid="transcript"] .turn-user ~ .turn-assistant:is(.turn-done, .turn-truncated)',
      { timeout: 30000 },
    );
    await page.waitForTimeout(1000);
    const counts = await page.evaluate(() => {
      const g = globalThis as unknown as {
        __islandCounts: Omit<Counts, "frames">;
        __frames: number;
      };
      return { ...structuredClone(g.__islandCounts), frames: g.__frames } as Counts;
    });
    const figures = JSON.stringify(counts);
    // The transcript drew once when it hydrated and once for each change, and no more.
    ok(counts.changes.transcript >= 4, figures);
    equal(counts.renders.transcript, counts.changes.transcript, figures);
    // The levels moved far more often than the transcript changed, and redrew only the meters.
    ok(counts.renders.meters >= 3 * counts.renders.transcript, figures);
    ok(counts.renders.meters <= counts.changes.levels + 1, figures);
    // The diagnostics drew only when something they show changed.
    ok(counts.renders.diagnostics <= counts.changes.diagnostics, figures);
    // Far fewer transcript renders than animation frames (the island once redrew every frame).
    ok(counts.renders.transcript * 4 < counts.frames, figures);
    // deno-lint-ignore no-console
    console.log(`[figures] island renders and changes: ${figures}`);
    deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
