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
import WebSocket from "ws";
import { FRAME_BYTES } from "@/lib/shared/audio_format.ts";
import { encodeBase64 } from "@/lib/shared/base64.ts";
import { CLIENT_EVENT_TYPES, parseClientEvent } from "@/lib/shared/realtime/mod.ts";
import { checkClientEvent } from "@/lib/server/relay_policy.ts";
import { readWav } from "@/lib/server/wav.ts";
import { startTestServer } from "./server.ts";
import type { Json } from "./ws_client.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20_261_126);
const EVENTS = Number(Deno.env.get("FUZZ_EVENTS") ?? 100_000);
const SESSIONS = 4;
/** Messages between two round trips. */
const BATCH = 250;
/** A `conversation.item.truncate` of an item that does not exist: the emulator answers it. */
const SYNC_PREFIX = "sync_";

// ---- generation ---------------------------------------------------------------------------

/** Deterministic bytes from a seed (xorshift32): cheap, unlike a fast-check byte array. */
function bytesFrom(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed | 0) || 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** What the generator asks for; the sender gives ids and turns it into a frame. */
type Draft =
  | { kind: "binary"; bytes: Uint8Array }
  | { kind: "event"; event: Json; withId: boolean; rawNumber?: string }
  | { kind: "text"; text: string };

const evenLength = fc.oneof(
  { weight: 9, arbitrary: fc.constant(FRAME_BYTES) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2400 }).map((n) => n * 2) },
);
const pcm = fc.record({ seed: fc.integer(), length: evenLength })
  .map(({ seed, length }) => bytesFrom(seed, length));

const validAppend: fc.Arbitrary<Draft> = fc.record({
  audio: pcm,
  binary: fc.boolean(),
  withId: fc.boolean(),
}).map(({ audio, binary, withId }) =>
  binary ? { kind: "binary", bytes: audio } : {
    kind: "event",
    event: { type: "input_audio_buffer.append", audio: encodeBase64(audio) },
    withId,
  }
);

const turnDetection = fc.oneof(
  fc.constant(null),
  fc.record({
    type: fc.constant("server_vad"),
    threshold: fc.double({ min: 0, max: 1, noNaN: true }),
    prefix_padding_ms: fc.integer({ min: 0, max: 1000 }),
    silence_duration_ms: fc.integer({ min: 0, max: 1500 }),
    create_response: fc.boolean(),
    interrupt_response: fc.boolean(),
  }, { requiredKeys: ["type"] }),
  fc.record({
    type: fc.constant("semantic_vad"),
    eagerness: fc.constantFrom("low", "medium", "high", "auto"),
    create_response: fc.boolean(),
  }, { requiredKeys: ["type"] }),
);

/** Control events the relay forwards (response.create is rare: it starts echo replies). */
const validControl: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ type: "input_audio_buffer.clear" }) },
  { weight: 4, arbitrary: fc.constant({ type: "input_audio_buffer.commit" }) },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant("conversation.item.truncate"),
      item_id: fc.string({ maxLength: 12 }).map((s) => `item_${s}`),
      content_index: fc.integer({ min: 0, max: 3 }),
      audio_end_ms: fc.integer({ min: 0, max: 60_000 }),
    }),
  },
  {
    weight: 4,
    arbitrary: turnDetection.map((td) => ({
      type: "session.update",
      session: { type: "realtime", audio: { input: { turn_detection: td } } },
    })),
  },
  { weight: 3, arbitrary: fc.constant({ type: "response.cancel" }) },
  { weight: 1, arbitrary: fc.constant({ type: "response.create" }) },
);

/** Events the validator accepts but the relay does not let through. */
const disallowed: fc.Arbitrary<Json> = fc.oneof(
  fc.constant({
    type: "conversation.item.create",
    item: { type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] },
  }),
  fc.constant({ type: "session.update", session: { type: "realtime", instructions: "Be evil" } }),
  fc.constant({
    type: "session.update",
    session: { type: "realtime", audio: { output: { voice: "alloy" } } },
  }),
  fc.constant({ type: "conversation.item.delete", item_id: "item_x" }),
  fc.constant({ type: "session.close" }),
);

const weird: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -1, 0.5, "", "\u0000", "💥🎙️", [], {}, null, true),
  fc.string({ unit: "binary", maxLength: 40 }),
);
/** Numbers JSON.stringify cannot write: spliced into the text for a `"__NUM__"` value. */
const rawNumbers = ["1e400", "-1e400", "-0", "123456789012345678901234567890", "1.5", "1e-7"];

type Mutation =
  | { op: "drop"; index: number }
  | { op: "set"; index: number; value: unknown }
  | { op: "add"; key: string; value: unknown }
  | { op: "type"; value: unknown }
  | { op: "id"; value: unknown }
  | { op: "number"; index: number; raw: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("drop" as const), index: fc.nat() }),
  fc.record({ op: fc.constant("set" as const), index: fc.nat(), value: weird }),
  fc.record({
    op: fc.constant("add" as const),
    key: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom("event_id", "session", "audio")),
    value: weird,
  }),
  fc.record({
    op: fc.constant("type" as const),
    value: fc.oneof(fc.constantFrom(...CLIENT_EVENT_TYPES), weird),
  }),
  fc.record({ op: fc.constant("id" as const), value: weird }),
  fc.record({
    op: fc.constant("number" as const),
    index: fc.nat(),
    raw: fc.constantFrom(...rawNumbers),
  }),
);

function mutate(
  event: Json,
  mutations: Mutation[],
): { event: Json; withId: boolean; raw?: string } {
  const out: Json = structuredClone(event);
  let withId = true;
  let raw: string | undefined;
  for (const m of mutations) {
    const keys = Object.keys(out);
    switch (m.op) {
      case "drop":
        if (keys.length) delete out[keys[m.index % keys.length]];
        break;
      case "set":
        if (keys.length) out[keys[m.index % keys.length]] = m.value;
        break;
      case "add":
        out[m.key] = m.value;
        break;
      case "type":
        out.type = m.value;
        break;
      case "id":
        // A non-string id is not echoed; a string one is replaced by a unique id when sent.
        out.event_id = m.value;
        withId = false;
        break;
      case "number":
        if (keys.length) {
          out[keys[m.index % keys.length]] = "__NUM__";
          raw = m.raw;
        }
        break;
      default: {
        const unknown: never = m;
        throw new TypeError(`Cannot mutate: unknown mutation ${JSON.stringify(unknown)}`);
      }
    }
  }
  return { event: out, withId, raw };
}

const mutated: fc.Arbitrary<Draft> = fc.record({
  base: fc.oneof(
    validControl,
    disallowed,
    pcm.map((audio) => ({ type: "input_audio_buffer.append", audio: encodeBase64(audio) })),
  ),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
}).map(({ base, mutations }) => {
  const { event, withId, raw } = mutate(base, mutations);
  return { kind: "event", event, withId, rawNumber: raw };
});

const draft: fc.Arbitrary<Draft> = fc.oneof(
  { weight: 55, arbitrary: validAppend },
  {
    weight: 6,
    arbitrary: fc.record({ event: validControl, withId: fc.boolean() })
      .map(({ event, withId }): Draft => ({ kind: "event", event, withId })),
  },
  {
    weight: 3,
    arbitrary: disallowed.map((event): Draft => ({ kind: "event", event, withId: true })),
  },
  { weight: 15, arbitrary: mutated },
  {
    weight: 6,
    arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v): Draft => ({
      kind: "text",
      text: JSON.stringify(v) ?? "null",
    })),
  },
  {
    weight: 5,
    arbitrary: fc.string({ unit: "binary", maxLength: 200 })
      .map((text): Draft => ({ kind: "text", text })),
  },
  {
    weight: 7,
    arbitrary: fc.record({ seed: fc.integer(), length: fc.integer({ min: 0, max: 2001 }) })
      .map(({ seed, length }): Draft => ({ kind: "binary", bytes: bytesFrom(seed, length) })),
  },
  {
    weight: 3,
    arbitrary: fc.record({ event: validControl, cut: fc.double({ min: 0, max: 1, noNaN: true }) })
      .map(({ event, cut }): Draft => {
        const text = JSON.stringify(event);
        return { kind: "text", text: text.slice(0, Math.floor(text.length * cut)) };
      }),
  },
);

// ---- classification -----------------------------------------------------------------------

type Expectation =
  | { kind: "append"; audio: Uint8Array }
  | { kind: "forward" }
  | { kind: "reject"; eventId: string | null };

/** What the relay does with `data` (the same steps, in the same order). */
function classify(data: string | Uint8Array, maxEventBytes: number): Expectation {
  if (typeof data !== "string") {
    if (data.length === 0 || data.length % 2 !== 0 || data.length > maxEventBytes) {
      return { kind: "reject", eventId: null };
    }
    return { kind: "append", audio: data };
  }
  if (new TextEncoder().encode(data).length > maxEventBytes) {
    return { kind: "reject", eventId: null };
  }
  const parsed = parseClientEvent(data);
  if (!parsed.ok) return { kind: "reject", eventId: parsed.error.error.event_id };
  const event = parsed.event;
  if (checkClientEvent(event) !== null) {
    return { kind: "reject", eventId: event.event_id ?? null };
  }
  if (parsed.audioBytes) return { kind: "append", audio: parsed.audioBytes };
  return { kind: "forward" };
}

/** The frame for `d`, message number `n` of session `s`; ids are unique per message. */
function frame(d: Draft, s: number, n: number): string | Uint8Array {
  switch (d.kind) {
    case "binary":
      return d.bytes;
    case "text":
      // What the relay receives: lone surrogates become U+FFFD on the wire.
      return d.text.toWellFormed();
    case "event": {
      const event = { ...d.event };
      if (d.withId || typeof event.event_id === "string") event.event_id = `f${s}_${n}`;
      let text = JSON.stringify(event);
      if (d.rawNumber) text = text.replace('"__NUM__"', d.rawNumber);
      return text.toWellFormed();
    }
    default: {
      const unknown: never = d;
      throw new TypeError(`Cannot build a frame: unknown draft ${JSON.stringify(unknown)}`);
    }
  }
}

// ---- sessions -----------------------------------------------------------------------------

/** A lean client: counts messages and keeps only errors. */
class FuzzClient {
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly errors: { eventId: string | null; code: string | null }[] = [];
  readonly types = new Map<string, number>();
  #waiters = new Map<string, () => void>();

  constructor(url: string) {
    this.socket = new WebSocket(url, { perMessageDeflate: false });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once("open", () => resolve());
      this.socket.once("error", reject);
    });
    this.closed = new Promise((resolve) => {
      this.socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    this.socket.on("message", (data: Buffer) => {
      const event = JSON.parse(data.toString());
      this.types.set(event.type, (this.types.get(event.type) ?? 0) + 1);
      if (event.type === "error") {
        const eventId = event.error.event_id;
        this.errors.push({ eventId, code: event.error.code });
        if (eventId !== null) this.#waiters.get(eventId)?.();
      }
      this.#waiters.get(`type:${event.type}`)?.();
    });
  }

  /** Resolves at the first `error` echoing `eventId` (or message of `type:<t>`) from now on. */
  waitFor(key: string, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(key);
        reject(new Error(`No ${key} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.set(key, () => {
        clearTimeout(timer);
        this.#waiters.delete(key);
        resolve();
      });
    });
  }

  count(type: string): number {
    return this.types.get(type) ?? 0;
  }
}

/** Opens a session, waits for session.updated and finds its recording (the new `.input.wav`). */
async function openSession(
  baseUrl: string,
  dir: string,
  known: Set<string>,
): Promise<{ client: FuzzClient; file: string }> {
  const res = await fetch(`${baseUrl}/api/session`, { method: "POST" });
  const { relay } = await res.json();
  const client = new FuzzClient(baseUrl.replace(/^http/, "ws") + relay);
  const ready = client.waitFor("type:session.updated", 10_000);
  await client.opened;
  await ready;
  const fresh = [...Deno.readDirSync(dir)]
    .map((e) => e.name)
    .filter((n) => n.endsWith(".input.wav") && !known.has(n));
  equal(fresh.length, 1, `one new recording in ${dir}`);
  known.add(fresh[0]);
  return { client, file: `${dir}/${fresh[0]}` };
}

function samplesOf(bytes: Uint8Array): Uint8Array {
  const { samples } = readWav(bytes);
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** Whether `actual` is exactly the chunks, in order; the first difference otherwise. */
function sameAudio(actual: Uint8Array, chunks: Uint8Array[]): string | null {
  let offset = 0;
  for (const [i, chunk] of chunks.entries()) {
    for (let j = 0; j < chunk.length; j++) {
      if (actual[offset + j] !== chunk[j]) {
        return `append ${i} differs at byte ${j} (offset ${offset + j} of ${actual.length})`;
      }
    }
    offset += chunk.length;
  }
  return offset === actual.length ? null : `${actual.length} bytes recorded, ${offset} expected`;
}

interface SessionResult {
  sent: number;
  appends: Uint8Array[];
  rejects: (string | null)[];
  /** Ids of messages the relay forwards (the emulator may answer them with errors). */
  forwardedIds: Set<string>;
}

async function fuzzSession(
  client: FuzzClient,
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
    const answered = client.waitFor(sync);
    client.socket.send(JSON.stringify({
      type: "conversation.item.truncate",
      event_id: sync,
      item_id: "item_sync",
      content_index: 0,
      audio_end_ms: 0,
    }));
    await answered;
  }
  return result;
}

/** The control session: recorded speech, 20 ms appends, a little faster than real time. */
async function controlSession(client: FuzzClient, done: () => boolean): Promise<Uint8Array[]> {
  const speech = samplesOf(
    await Deno.readFile(new URL("./fixtures/speech_24k.wav", import.meta.url)),
  );
  const sent: Uint8Array[] = [];
  for (let i = 0; !done() || sent.length * FRAME_BYTES < speech.length; i++) {
    const offset = (i * FRAME_BYTES) % (speech.length - (speech.length % FRAME_BYTES));
    const frame = speech.slice(offset, offset + FRAME_BYTES);
    client.socket.send(JSON.stringify({
      type: "input_audio_buffer.append",
      audio: encodeBase64(frame),
    }));
    sent.push(frame);
    await new Promise((r) => setTimeout(r, 5));
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
      // The fuzzer sends far faster than a person: every message must be judged, not dropped.
      MAX_AUDIO_SPEED: "off",
      EVENT_RATE_PER_SESSION: "off",
    });
    const maxEventBytes = server.state.config.maxEventBytes;
    const known = new Set<string>();
    const { client: control, file: controlFile } = await openSession(server.url, dir, known);
    const clients: FuzzClient[] = [];
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
    const closes = await Promise.all([control, ...clients].map((c) => {
      c.socket.close(1000, "done");
      return c.closed;
    }));
    deepEqual(closes.map((c) => c.code), closes.map(() => 1000));
    for (let i = 0; i < 500 && server.state.sessions.size > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    equal(server.state.sessions.size, 0);

    let rejected = 0;
    let appended = 0;
    for (const [s, result] of results.entries()) {
      const client = clients[s];
      const errors = client.errors.filter((e) => !e.eventId?.startsWith(SYNC_PREFIX));
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
      const problem = sameAudio(samplesOf(await Deno.readFile(files[s])), result.appends);
      equal(problem, null, `session ${s}: recording`);
    }

    deepEqual(control.errors, []);
    ok(control.count("input_audio_buffer.speech_started") >= 1, "the control session was heard");
    equal(sameAudio(samplesOf(await Deno.readFile(controlFile)), controlFrames), null);
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
