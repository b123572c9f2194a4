/**
 * Fuzzing the relay: 100,000 random and mutated client messages (fast-check, fixed seed) go
 * through `/api/relay` into the embedded emulator (local mode, `RECORD_DIR` set), over a few
 * sessions in parallel, next to a clean control session that streams recorded speech.
 *
 * Each message is classified locally the way the relay decides (`parseClientEvent`, then
 * `checkClientEvent` of the relay's policy), and the test checks that
 *
 * - nothing crashes and no promise rejection goes unhandled (`/healthz` still answers, every
 *   session closes with 1000);
 * - every rejected message gets its `error` (at least as many errors as rejections; exactly
 *   one echoing each rejected string `event_id`);
 * - every accepted append (JSON, or an even binary frame) is in that session's `input.wav`,
 *   in order, byte for byte;
 * - the control session sees no error and records exactly what it sent.
 *
 * Sending is paced by a round trip through the emulator every {@linkcode BATCH} messages, so
 * the relay's bounded queues never shed. Reproduce a run with `FUZZ_SEED=<seed>`; make it
 * longer with `FUZZ_EVENTS=<n>`.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { FRAME_BYTES } from "@/lib/shared/audio_format.ts";
import { classify, draft, frame } from "@/testing/fuzz_messages.ts";
import { speechPcm } from "@/testing/fixtures.ts";
import { sameAudio, wavData } from "@/testing/recordings.ts";
import { startTestServer } from "@/testing/server.ts";
import { sleep, waitFor } from "@/testing/wait.ts";
import { type Json, relayUrl, TestClient } from "@/testing/ws_client.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20_261_126);
const EVENTS = Number(Deno.env.get("FUZZ_EVENTS") ?? 100_000);
const SESSIONS = 4;
/** Messages between two round trips. */
const BATCH = 250;
/** A `conversation.item.truncate` of an item that does not exist: the emulator answers it. */
const SYNC_PREFIX = "sync_";

// ---- sessions -----------------------------------------------------------------------------

/** What a fuzzed session keeps of what it receives: errors, and the first session.updated. */
function keep(event: Json): boolean {
  return event.type === "error" || event.type === "session.updated";
}

/** The `error` events a session received, as event_id and code. */
function errorsOf(client: TestClient): { eventId: string | null; code: string | null }[] {
  return client.received
    .filter((e) => e.type === "error")
    .map((e) => ({ eventId: e.error.event_id, code: e.error.code }));
}

/** Opens a session, waits for session.updated and finds its recording (the new `.input.wav`). */
async function openSession(
  baseUrl: string,
  dir: string,
  known: Set<string>,
): Promise<{ client: TestClient; file: string }> {
  const client = await TestClient.connect(await relayUrl(baseUrl), { keep });
  await client.next("session.updated", 10_000);
  const fresh = [...Deno.readDirSync(dir)]
    .map((e) => e.name)
    .filter((n) => n.endsWith(".input.wav") && !known.has(n));
  equal(fresh.length, 1, `one new recording in ${dir}`);
  known.add(fresh[0]);
  return { client, file: `${dir}/${fresh[0]}` };
}

interface SessionResult {
  sent: number;
  appends: Uint8Array[];
  rejects: (string | null)[];
  /** Ids of messages the relay forwards (the emulator may answer them with errors). */
  forwardedIds: Set<string>;
}

async function fuzzSession(
  client: TestClient,
  s: number,
  count: number,
  maxEventBytes: number,
): Promise<SessionResult> {
  const result: SessionResult = { sent: 0, appends: [], rejects: [], forwardedIds: new Set() };
  for (let batch = 0; result.sent < count; batch++) {
    const size = Math.min(BATCH, count - result.sent);
    const drafts = fc.sample(draft, { seed: SEED + s * 1_000_003 + batch, numRuns: size });
    for (const d of drafts) {
      const data = frame(d, s, result.sent++);
      const expected = classify(data, maxEventBytes);
      switch (expected.kind) {
        case "append":
          result.appends.push(expected.audio);
          break;
        case "reject":
          result.rejects.push(expected.eventId);
          break;
        case "forward":
          break;
      }
      if (expected.kind !== "reject" && typeof data === "string") {
        const id = /"event_id":"(f\d+_\d+)"/.exec(data)?.[1];
        if (id) result.forwardedIds.add(id);
      }
      client.socket.send(data);
    }
    const sync = `${SYNC_PREFIX}${s}_${batch}`;
    client.send({
      type: "conversation.item.truncate",
      event_id: sync,
      item_id: "item_sync",
      content_index: 0,
      audio_end_ms: 0,
    });
    await client.next((e) => e.type === "error" && e.error.event_id === sync, 30_000);
  }
  return result;
}

/** The control session: recorded speech, 20 ms appends, a little faster than real time. */
async function controlSession(client: TestClient, done: () => boolean): Promise<Uint8Array[]> {
  const speech = await speechPcm();
  const sent: Uint8Array[] = [];
  for (let i = 0; !done() || sent.length * FRAME_BYTES < speech.length; i++) {
    const offset = (i * FRAME_BYTES) % (speech.length - (speech.length % FRAME_BYTES));
    const frame = speech.slice(offset, offset + FRAME_BYTES);
    client.append(frame);
    sent.push(frame);
    await sleep(5);
  }
  return sent;
}

Deno.test("relay fuzz: 100,000 random and mutated client messages: no crash, one error per rejection, every accepted append recorded exactly, the control session untouched", async () => {
  // deno-lint-ignore no-console
  console.log(`    fuzz seed ${SEED} (FUZZ_SEED=${SEED} to reproduce), ${EVENTS} messages`);
  const unhandled: unknown[] = [];
  const onUnhandled = (e: PromiseRejectionEvent) => {
    unhandled.push(e.reason);
    e.preventDefault();
  };
  globalThis.addEventListener("unhandledrejection", onUnhandled);
  const dir = await Deno.makeTempDir();
  try {
    await using server = await startTestServer({
      RECORD_DIR: dir,
      LOG_LEVEL: "warn",
      MAX_SESSIONS_PER_CLIENT: String(SESSIONS + 1),
      TICKET_RATE_PER_CLIENT: "off",
      DAILY_MINUTES_PER_CLIENT: "off",
      // The fuzzer sends far faster than a person: every message must be judged, not dropped.
      MAX_AUDIO_SPEED: "off",
      EVENT_RATE_PER_SESSION: "off",
    });
    const maxEventBytes = server.state.config.maxEventBytes;
    const known = new Set<string>();
    const { client: control, file: controlFile } = await openSession(server.url, dir, known);
    const clients: TestClient[] = [];
    const files: string[] = [];
    for (let s = 0; s < SESSIONS; s++) {
      const { client, file } = await openSession(server.url, dir, known);
      clients.push(client);
      files.push(file);
    }

    const start = performance.now();
    let fuzzing = true;
    const controlSent = controlSession(control, () => !fuzzing);
    const results = await Promise.all(
      clients.map((c, s) => fuzzSession(c, s, Math.ceil(EVENTS / SESSIONS), maxEventBytes)),
    ).finally(() => fuzzing = false);
    const seconds = (performance.now() - start) / 1000;
    const sent = results.reduce((n, r) => n + r.sent, 0);
    const controlFrames = await controlSent;

    equal((await fetch(`${server.url}/healthz`)).status, 200);
    const closes = await Promise.all([control, ...clients].map((c) => c.close(1000, "done")));
    deepEqual(closes.map((c) => c.code), closes.map(() => 1000));
    await waitFor(() => server.state.sessions.size === 0, { what: "freed sessions" });

    let rejected = 0;
    let appended = 0;
    for (const [s, result] of results.entries()) {
      const client = clients[s];
      const errors = errorsOf(client).filter((e) => !e.eventId?.startsWith(SYNC_PREFIX));
      rejected += result.rejects.length;
      appended += result.appends.length;
      ok(
        errors.length >= result.rejects.length,
        `session ${s}: ${errors.length} errors for ${result.rejects.length} rejections`,
      );
      // Pacing kept the relay from shedding anything.
      deepEqual(
        errors.filter((e) => /relay_(queue_full|upstream_congested)/.test(e.code ?? "")),
        [],
      );
      // Each rejected id is echoed exactly once (ids are unique unless a random one repeats).
      const expectedIds = new Map<string, number>();
      for (const id of result.rejects) {
        if (id !== null) expectedIds.set(id, (expectedIds.get(id) ?? 0) + 1);
      }
      const echoed = new Map<string, number>();
      for (const e of errors) {
        if (e.eventId !== null) echoed.set(e.eventId, (echoed.get(e.eventId) ?? 0) + 1);
      }
      for (const [id, n] of expectedIds) {
        const got = echoed.get(id) ?? 0;
        if (result.forwardedIds.has(id)) ok(got >= n, `session ${s}: id ${id} echoed ${got}×`);
        else equal(got, n, `session ${s}: errors echoing ${JSON.stringify(id)}`);
      }
      const problem = sameAudio(await wavData(files[s]), result.appends);
      equal(problem, null, `session ${s}: recording`);
    }

    deepEqual(errorsOf(control), []);
    ok(
      (control.counts.get("input_audio_buffer.speech_started") ?? 0) >= 1,
      "the control session was heard",
    );
    equal(sameAudio(await wavData(controlFile), controlFrames), null);
    equal((await fetch(`${server.url}/healthz`)).status, 200);
    deepEqual(unhandled, []);

    // deno-lint-ignore no-console
    console.log(
      `    ${sent} messages in ${seconds.toFixed(1)} s (${Math.round(sent / seconds)}/s): ` +
        `${appended} appends recorded, ${rejected} rejected; control: ${controlFrames.length} frames`,
    );
  } finally {
    globalThis.removeEventListener("unhandledrejection", onUnhandled);
    await Deno.remove(dir, { recursive: true });
  }
});
