import { deepEqual, equal } from "node:assert/strict";
import { MIN_COMMIT_MS } from "@/lib/shared/realtime/limits.ts";
import { PushToTalk } from "./push_to_talk.ts";

function frames(ptt: PushToTalk, n: number): number {
  let sent = 0;
  for (let i = 0; i < n; i++) if (ptt.frame()) sent++;
  return sent;
}

Deno.test("PushToTalk off: every frame goes, presses and releases do nothing", () => {
  const ptt = new PushToTalk();
  equal(frames(ptt, 10), 10);
  equal(ptt.press(), false);
  deepEqual(ptt.release(), { type: "none" });
});

Deno.test("PushToTalk on: frames go only while held", () => {
  const ptt = new PushToTalk();
  ptt.setEnabled(true);
  equal(frames(ptt, 10), 0);
  equal(ptt.press(), true);
  equal(ptt.press(), false, "a second press while held (key repeat) starts nothing");
  equal(frames(ptt, 10), 10);
  deepEqual(ptt.release(), { type: "commit", heldMs: 200 });
  equal(frames(ptt, 10), 0);
});

Deno.test("PushToTalk.release() commits from the service's minimum on", () => {
  const table: [number, string][] = [
    [0, "too-short"],
    [MIN_COMMIT_MS / 20 - 1, "too-short"],
    [MIN_COMMIT_MS / 20, "commit"],
    [50, "commit"],
  ];
  for (const [n, want] of table) {
    const ptt = new PushToTalk();
    ptt.setEnabled(true);
    ptt.press();
    frames(ptt, n);
    const release = ptt.release();
    equal(release.type, want, `${n} frames`);
    if (release.type === "too-short") equal(release.minMs, MIN_COMMIT_MS);
  }
});

Deno.test("PushToTalk counts each hold afresh, and a switch or reset drops a hold", () => {
  const ptt = new PushToTalk();
  ptt.setEnabled(true);
  ptt.press();
  frames(ptt, 20);
  ptt.release();
  ptt.press();
  frames(ptt, 2);
  deepEqual(ptt.release(), { type: "too-short", heldMs: 40, minMs: MIN_COMMIT_MS });
  ptt.press();
  ptt.setEnabled(true);
  equal(ptt.held, false);
  ptt.press();
  ptt.reset();
  deepEqual(ptt.release(), { type: "none" });
  ptt.setEnabled(false);
  equal(frames(ptt, 3), 3);
});
