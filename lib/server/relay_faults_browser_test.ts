/**
 * The relay when its browser misbehaves, over real sockets against the scripted upstream: a
 * browser that vanishes without a close (idle, or with a reply waiting), one that reads too
 * slowly while the upstream floods, and one that stops reading. Each test checks that the
 * relay's memory stays bounded, that the upstream is closed and the session freed.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import WebSocket from "ws";
import { encodeBase64 } from "@/lib/shared/base64.ts";
import { randomBytes } from "@/testing/bytes.ts";
import { audioDelta } from "@/testing/ga_sequences.ts";
import { relayEnv } from "@/testing/relay_session.ts";
import { metric, readMetrics, startTestServer, type TestServer } from "@/testing/server.ts";
import { startServerProcess } from "@/testing/server_process.ts";
import { ScriptedUpstream, type UpstreamConnection } from "@/testing/upstream.ts";
import { sleep, waitFor, within } from "@/testing/wait.ts";
import { type CloseInfo, relayUrl } from "@/testing/ws_client.ts";
import { BROWSER_HIGH_WATER } from "./relay.ts";

const KEY = "sk-test-faults0123456789abcdef";

/** A `response.output_audio.delta` whose event_id carries its sequence number. */
const delta = (seq: number, pcm: Uint8Array | string) =>
  JSON.stringify(audioDelta(pcm, `event_delta_${seq}`));

const encoder = new TextEncoder();

/**
 * A browser that vanished: it does the WebSocket upgrade by hand on a raw TCP connection,
 * then never reads, writes or answers a ping again. Resolves once the upstream has the
 * session's configuration.
 */
async function openVanishingBrowser(
  baseUrl: string,
  upstream: ScriptedUpstream,
): Promise<{ conn: Deno.TcpConn; connection: UpstreamConnection }> {
  const pending = upstream.nextConnection();
  const relay = new URL(await relayUrl(baseUrl));
  const { hostname, port, host } = new URL(baseUrl);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const key = encodeBase64(crypto.getRandomValues(new Uint8Array(16)));
  await conn.write(encoder.encode(
    `GET ${relay.pathname}${relay.search} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  ));
  // Read the response head byte by byte, so that no frame after it is taken.
  let head = "";
  const byte = new Uint8Array(1);
  while (!head.endsWith("\r\n\r\n")) {
    if (await conn.read(byte) === null) throw new Error(`Upgrade failed: ${head}`);
    head += String.fromCharCode(byte[0]);
  }
  match(head, /^HTTP\/1\.1 101 /);
  const connection = await pending;
  await connection.next("session.update");
  return { conn, connection };
}

/** Asserts that the upstream closes with `expected` within 15 s and the session is freed. */
async function upstreamClosed(
  server: TestServer,
  connection: UpstreamConnection,
  expected: CloseInfo,
): Promise<void> {
  const start = performance.now();
  const closed = await within(connection.closed, 15_000);
  const seconds = (performance.now() - start) / 1000;
  ok(closed, `the upstream is still open ${seconds.toFixed(1)} s after the browser vanished`);
  deepEqual(closed, expected);
  await waitFor(() => server.state.sessions.size === 0, { what: "freed session" });
  equal(metric(await readMetrics(server.url), "relay_sessions_active"), 0);
}

Deno.test("relay faults: a browser that vanishes while idle (no reads, no pongs) gets its upstream closed within seconds", async () => {
  await using upstream = await ScriptedUpstream.start();
  await using server = await startTestServer(relayEnv(upstream, KEY));
  const { conn, connection } = await openVanishingBrowser(server.url, upstream);
  // Deno's idle timeout (the route's 5 s) finds it; the relay passes its 1001 on.
  await upstreamClosed(server, connection, { code: 1001, reason: "No response from ping frame." });
  conn.close();
});

Deno.test("relay faults: a browser that vanishes mid-reply, with frames waiting that it never takes, gets its upstream closed (BROWSER_STALL_MS)", async () => {
  // The kernel takes about 4 MB (tcp_wmem's maximum send buffer, plus the peer's receive
  // buffer) before the relay's sends wait. This reply leaves a few hundred KB waiting: less
  // than BROWSER_HIGH_WATER, so the upstream is never paused, and Deno's idle-timeout ping
  // waits behind those frames forever. With other buffer sizes the reply either fits (the
  // ping finds the browser gone) or pauses the upstream; the upstream must close either way.
  const replyBytes = 4 * 1024 * 1024 + BROWSER_HIGH_WATER / 2;
  await using upstream = await ScriptedUpstream.start();
  await using server = await startTestServer(
    relayEnv(upstream, KEY, { BROWSER_STALL_MS: "2000" }),
  );
  const { conn, connection } = await openVanishingBrowser(server.url, upstream);
  const audio = encodeBase64(randomBytes(9600));
  let sent = 0;
  for (let seq = 0; sent < replyBytes; seq++) {
    const text = delta(seq, audio);
    await connection.send(text);
    sent += text.length;
  }
  await upstreamClosed(server, connection, {
    code: 1000,
    reason: "client too slow: audio could not be delivered",
  });
  conn.close();
});

/**
 * A browser that reads at most `rate` bytes a second (pausing its socket, so TCP pushes back)
 * and checks that deltas arrive in order, without keeping them.
 */
class SlowBrowser {
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Types of the messages that were not deltas. */
  readonly others: string[] = [];
  bytes = 0;
  deltas = 0;
  outOfOrder = 0;
  rate: number;
  #start = performance.now();
  #resumeTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(url: string, rate: number) {
    this.rate = rate;
    this.socket = new WebSocket(url, { perMessageDeflate: false });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once("open", () => resolve());
      this.socket.once("error", reject);
    });
    this.closed = new Promise((resolve) => {
      this.socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    this.socket.on("message", (data: Buffer) => this.#onMessage(data));
  }

  #onMessage(data: Buffer): void {
    this.bytes += data.length;
    const head = data.toString("latin1", 0, Math.min(data.length, 120));
    const seq = /"event_id":"event_delta_(\d+)"/.exec(head);
    if (seq) {
      if (Number(seq[1]) !== this.deltas) this.outOfOrder++;
      this.deltas++;
    } else {
      this.others.push(JSON.parse(data.toString()).type);
    }
    if (this.rate === 0) return;
    const aheadMs = (this.bytes / this.rate) * 1000 - (performance.now() - this.#start);
    if (aheadMs > 5 && !this.#resumeTimer) {
      this.socket.pause();
      this.#resumeTimer = setTimeout(() => {
        this.#resumeTimer = null;
        if (this.rate > 0) this.socket.resume();
      }, aheadMs);
    }
  }

  /** Stops reading altogether. */
  stall(): void {
    this.rate = 0;
    if (this.#resumeTimer) clearTimeout(this.#resumeTimer);
    this.#resumeTimer = null;
    this.socket.pause();
  }

  /** Reads everything from now on. */
  drain(): void {
    this.socket.resume();
  }
}

/** Sends deltas `from`… as fast as the relay takes them, until `until()` or a close. */
async function flood(
  socket: WebSocket,
  from: number,
  until: (seq: number) => boolean,
): Promise<number> {
  const audio = encodeBase64(randomBytes(9600));
  let seq = from;
  while (!until(seq) && socket.readyState === WebSocket.OPEN) {
    if (socket.bufferedAmount > 1024 * 1024) {
      await sleep(2);
      continue;
    }
    socket.send(delta(seq++, audio));
  }
  return seq;
}

Deno.test("relay faults: a slow browser keeps the relay's memory bounded while the upstream floods 100 MB, and one that stops reading is closed with 1008", async () => {
  const floodBytes = 100 * 1024 * 1024;
  const deltaBytes = delta(0, encodeBase64(randomBytes(9600))).length;
  await using upstream = await ScriptedUpstream.start();
  // The relay in a process of its own, so that its memory is measured alone.
  await using server = await startServerProcess(
    relayEnv(upstream, KEY, { BROWSER_STALL_MS: "1500" }),
  );
  const rss = () => server.rssBytes();
  const pending = upstream.nextConnection();
  // Reads 25 MB/s: far less than the relay and the upstream can push on loopback.
  const browser = new SlowBrowser(await relayUrl(server.url), 25 * 1024 * 1024);
  await browser.opened;
  const connection = await pending;
  // session.created, session.updated and relay.conversation
  await waitFor(() => browser.others.length === 3, { what: "session.updated" });

  const baseline = rss();
  let peak = baseline;
  const sampler = setInterval(() => peak = Math.max(peak, rss()), 20);
  const count = Math.ceil(floodBytes / deltaBytes);
  try {
    await flood(connection.socket, 0, (seq) => seq === count);
    await waitFor(() => browser.deltas === count, {
      timeoutMs: 60_000,
      what: "every delta at the browser",
    });
  } finally {
    clearInterval(sampler);
  }
  const growthMb = (peak - baseline) / 2 ** 20;
  equal(browser.outOfOrder, 0);
  deepEqual(browser.others, ["session.created", "session.updated", "relay.conversation"]);
  const during = await readMetrics(server.url);
  ok(
    metric(during, 'relay_shed_total{direction="upstream_to_browser",reason="paused"}') > 0,
    "the relay paused the upstream",
  );
  ok(growthMb < 64, `RSS grew ${growthMb.toFixed(1)} MB while 100 MB went through`);

  // Now it stops reading: the relay pauses the upstream, then closes the browser with 1008.
  browser.stall();
  const stalledAt = performance.now();
  let sent = count;
  flood(connection.socket, count, () => false).then((seq) => sent = seq);
  const upstreamClosed = await within(connection.closed, 15_000);
  const seconds = (performance.now() - stalledAt) / 1000;
  ok(
    upstreamClosed,
    `the upstream is still open ${seconds.toFixed(1)} s after the browser stalled`,
  );
  deepEqual(upstreamClosed, {
    code: 1000,
    reason: "client too slow: audio could not be delivered",
  });
  ok(rss() - baseline < 64 * 2 ** 20, "RSS stays bounded while stalled");
  const after = await readMetrics(server.url);
  equal(metric(after, "relay_sessions_active"), 0);

  // What the relay had sent still arrives, in order, then the 1008.
  browser.drain();
  deepEqual(await browser.closed, {
    code: 1008,
    reason: "client too slow: audio could not be delivered",
  });
  equal(browser.outOfOrder, 0);
  equal(
    browser.deltas + 2,
    metric(after, 'relay_frames_total{direction="upstream_to_browser"}'),
    `the browser got every frame the relay forwarded (upstream sent ${sent} deltas)`,
  );
  // The server never logged an error.
  deepEqual(server.logs.filter((l) => l.includes('"level":"error"')), []);
  const rssMb = (n: number) => (n / 2 ** 20).toFixed(0);
  // deno-lint-ignore no-console
  console.log(
    `    flood: RSS ${rssMb(baseline)} MB before, peak ${rssMb(peak)} MB (+${
      growthMb.toFixed(1)
    } MB) for ${(count * deltaBytes / 2 ** 20).toFixed(0)} MB; ` +
      `stall closed after ${seconds.toFixed(1)} s`,
  );
});
