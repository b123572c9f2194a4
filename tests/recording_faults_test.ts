/**
 * Recording under faults, through the real server and real sockets: a `RECORD_DIR` that
 * cannot be made, a disk that fills in the middle of a session, an upstream that is down, and
 * browsers that leave before the upstream opened. The session always goes on (or ends for its
 * own reasons), `/healthz` and `/metrics` tell the operator, the browser never sees a path,
 * and no file, descriptor or timer outlives its session.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { loadConfig } from "@/lib/server/config.ts";
import { Health } from "@/lib/server/health.ts";
import { createLogger } from "@/lib/server/log.ts";
import { RelayMetrics } from "@/lib/server/metrics.ts";
import { Redactor } from "@/lib/server/redact.ts";
import { RelaySession } from "@/lib/server/relay.ts";
import { upstreamTarget } from "@/lib/server/upstream.ts";
import { WAV_HEADER_BYTES } from "@/lib/server/wav.ts";
import { FRAME_BYTES } from "@/lib/shared/audio_format.ts";
import { concat, randomBytes } from "@/testing/bytes.ts";
import { audioResponse } from "@/testing/ga_sequences.ts";
import { FullDisk } from "@/testing/full_disk.ts";
import { openDescriptorCount, openFilesUnder } from "@/testing/open_files.ts";
import { wavData } from "@/testing/recordings.ts";
import { openRelaySession } from "@/testing/relay_session.ts";
import { freePort, metric, readMetrics, startTestServer } from "@/testing/server.ts";
import { SilentUpstream } from "@/testing/silent_upstream.ts";
import { tempDir } from "@/testing/temp_dir.ts";
import { ScriptedUpstream, type UpstreamConnection } from "@/testing/upstream.ts";
import { sleep, waitFor } from "@/testing/wait.ts";
import { type Json, openRelay, TestClient } from "@/testing/ws_client.ts";

const KEY = "sk-test-recording0123456789abcdef";
/**
 * Deno 2.9 no longer checks by default that a test leaves no timer or pending operation
 * behind: these tests ask for it (a leaked flush timer fails them).
 */
const SANITIZED = { sanitizeOps: true, sanitizeResources: true };
/** Descriptors the runtime may open or close on its own between two counts. */
const FD_SLACK = 3;

/** Polls until the descriptor count is back within the slack of `baseline`, then checks it. */
async function descriptorsBackTo(baseline: number): Promise<void> {
  const start = performance.now();
  while (openDescriptorCount() > baseline + FD_SLACK && performance.now() - start < 5000) {
    await sleep(20);
  }
  const now = openDescriptorCount();
  ok(
    Math.abs(now - baseline) <= FD_SLACK,
    `open descriptors: ${baseline} before, ${now} after (slack ${FD_SLACK})`,
  );
}

function frames(count: number): Uint8Array[] {
  return Array.from({ length: count }, () => randomBytes(FRAME_BYTES));
}

async function healthz(baseUrl: string): Promise<Json> {
  return await (await fetch(`${baseUrl}/healthz`)).json();
}

/** Sends `pcm` as appends and waits until the upstream has them all. */
async function stream(
  client: TestClient,
  connection: UpstreamConnection,
  pcm: Uint8Array[],
): Promise<void> {
  const appends = () => connection.events.filter((e) => e.type === "input_audio_buffer.append");
  const want = appends().length + pcm.length;
  for (const frame of pcm) client.append(frame);
  await waitFor(() => appends().length === want, { what: `${want} appends upstream` });
}

// ---- 1. a RECORD_DIR that cannot be made -------------------------------------------------

// Tests run as root, where chmod stops nothing: a directory under a regular FILE cannot be
// made by anyone (mkdir fails with ENOTDIR), so the recording fails as root too.
Deno.test(
  "recording faults: an unwritable RECORD_DIR fails no session; /healthz and /metrics say so, the browser never sees the path, and a later working recording recovers",
  SANITIZED,
  async () => {
    await using tmp = await tempDir();
    const blocker = `${tmp.path}/blocker`;
    await Deno.writeTextFile(blocker, "a regular file where RECORD_DIR's parent should be");
    const dir = `${blocker}/recordings`;
    await using upstream = await ScriptedUpstream.start();
    await using server = await startTestServer({
      OPENAI_API_KEY: KEY,
      REALTIME_URL: upstream.url,
      RECORD_DIR: dir,
    });
    deepEqual((await healthz(server.url)).recording, "ok");

    const { client, connection } = await openRelaySession(server.url, upstream);
    await stream(client, connection, frames(60));
    client.send({ type: "response.create" });
    await waitFor(() => connection.events.some((e) => e.type === "response.create"), {
      what: "response",
    });
    const health = await healthz(server.url);
    equal(health.status, "degraded");
    equal(health.recording, "degraded");
    equal(metric(await readMetrics(server.url), "recording_failures"), 1);
    const closed = await client.close();
    equal(closed.code, 1000);
    await waitFor(() => server.state.sessions.size === 0, { what: "session freed" });

    // The browser saw no error and nothing about the directory.
    const seen = JSON.stringify(client.received) + closed.reason;
    deepEqual(client.received.filter((e) => e.type === "error"), []);
    ok(!seen.includes(tmp.path) && !seen.includes("blocker"), "no path reaches the browser");
    // One line for the operator, naming the directory.
    const lines = server.logs.filter((l) => l.includes("recording failed"));
    equal(lines.length, 1, lines.join("\n"));
    ok(lines[0].includes(dir));

    // The operator fixes it: the next session records, and health is green again.
    await Deno.remove(blocker);
    const next = await openRelaySession(server.url, upstream);
    const sent = frames(10);
    await stream(next.client, next.connection, sent);
    await next.client.close();
    await waitFor(() => server.state.sessions.size === 0, { what: "session freed" });
    const health2 = await healthz(server.url);
    equal(health2.status, "ok");
    equal(health2.recording, "ok");
    const input = [...Deno.readDirSync(dir)].find((e) => e.name.endsWith(".input.wav"))!;
    deepEqual(await wavData(`${dir}/${input.name}`), concat(sent));
    equal(metric(await readMetrics(server.url), "recording_failures"), 1);
  },
);

// ---- 2. the disk fills in the middle of a session ------------------------------------------

Deno.test(
  "recording faults: a disk that fills mid-session (ENOSPC) stops the recording at once with a valid WAV; the session goes on",
  SANITIZED,
  async () => {
    await using tmp = await tempDir();
    const logs: string[] = [];
    await using upstream = await ScriptedUpstream.start({
      onEvent(event, connection) {
        if (event.type === "response.create") connection.send(audioResponse([]));
      },
    });
    const config = loadConfig({
      OPENAI_API_KEY: KEY,
      REALTIME_URL: upstream.url,
      RECORD_DIR: tmp.path,
      LOG_LEVEL: "debug",
    });
    const health = new Health({ recording: true });
    const metrics = new RelayMetrics();
    // Room for both headers, one second of input and a little more: the second second's
    // write lands part-way, then fails with ENOSPC.
    const second = 50 * FRAME_BYTES;
    const disk = new FullDisk(2 * WAV_HEADER_BYTES + second + 700);
    const sessions: RelaySession[] = [];
    // The relay behind a minimal route, so that the recording's files come from `disk`.
    await using relay = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
      const { socket, response } = Deno.upgradeWebSocket(req);
      sessions.push(
        new RelaySession(socket, {
          sessionId: "relay_fullDisk",
          client: "addr:127.0.0.1",
          config,
          target: upstreamTarget(config),
          metrics,
          logger: createLogger("debug", { sink: (line) => logs.push(line) }),
          redactor: new Redactor([KEY]),
          health,
          openRecordingFile: disk.open,
        }),
      );
      return response;
    });
    const connected = upstream.nextConnection();
    const client = new TestClient(`ws://127.0.0.1:${relay.addr.port}/`);
    await client.opened;
    await client.next("session.updated");
    const connection = await connected;

    const first = frames(50);
    await stream(client, connection, first);
    await stream(client, connection, frames(50)); // fills the disk
    await waitFor(() => health.report().recording === "degraded", { what: "recording degraded" });
    equal(disk.failures, 1);
    // The files are closed at once, while the session still runs.
    deepEqual(openFilesUnder(tmp.path), []);
    equal((await metrics.recordingFailures.get()).values[0].value, 1);

    // The session goes on: audio still flows, answers still come.
    await stream(client, connection, frames(20));
    client.send({ type: "response.create" });
    await client.next("response.done");
    deepEqual(client.received.filter((e) => e.type === "error"), []);
    await client.close();
    await sessions[0].done;

    // The input file holds exactly what reached the disk whole, and says so in its header.
    deepEqual(await wavData(`${tmp.path}/relay_fullDisk.input.wav`), concat(first));
    deepEqual(await wavData(`${tmp.path}/relay_fullDisk.output.wav`), new Uint8Array());
    equal(logs.filter((l) => l.includes("recording failed")).length, 1);
    equal(health.report().status, "degraded");
  },
);

// ---- 3. the upstream is down ------------------------------------------------------------

Deno.test(
  "recording faults: 200 sessions with the upstream down leave no file, descriptor or timer behind",
  SANITIZED,
  async () => {
    await using tmp = await tempDir();
    await using server = await startTestServer({
      OPENAI_API_KEY: KEY,
      REALTIME_URL: `ws://127.0.0.1:${freePort()}/v1/realtime`,
      RECORD_DIR: tmp.path,
      MAX_SESSIONS_PER_CLIENT: "20",
      TICKET_RATE_PER_CLIENT: "off",
    });
    const refused = async () => {
      const client = await openRelay(server.url);
      const closed = await client.closed;
      equal(closed.code, 1011);
      equal((await client.next("error")).error.code, "upstream_unavailable");
      ok(!JSON.stringify(client.received).includes(tmp.path));
    };
    // Warm up: the first sessions open the HTTP client's pooled connections.
    await Promise.all(Array.from({ length: 10 }, refused));
    await waitFor(() => server.state.sessions.size === 0, { what: "sessions freed" });
    const baseline = openDescriptorCount();

    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(Array.from({ length: 10 }, refused));
    }
    await waitFor(() => server.state.sessions.size === 0, { what: "sessions freed" });
    await descriptorsBackTo(baseline);
    deepEqual(openFilesUnder(tmp.path), []);
    // Sessions that never started recorded nothing: their files are gone.
    deepEqual([...Deno.readDirSync(tmp.path)], []);
    // A session the upstream refused is not a recording failure.
    equal((await healthz(server.url)).recording, "ok");
  },
);

// ---- 4. the browser leaves before the upstream opened -------------------------------------

Deno.test(
  "recording faults: a browser gone before the upstream opened leaves no file, descriptor or timer behind",
  SANITIZED,
  async () => {
    await using tmp = await tempDir();
    await using upstream = new SilentUpstream();
    await using server = await startTestServer({
      OPENAI_API_KEY: KEY,
      REALTIME_URL: upstream.url,
      RECORD_DIR: tmp.path,
      TICKET_RATE_PER_CLIENT: "off",
    });
    const session = async (waitForRecording: boolean) => {
      const dialled = upstream.accepted.length + 1;
      const client = await openRelay(server.url);
      if (waitForRecording) {
        // The relay is dialling the upstream and its recording is open: then the browser goes.
        await waitFor(() => upstream.accepted.length === dialled, { what: "the relay dialling" });
        await waitFor(() => [...Deno.readDirSync(tmp.path)].length === 2, {
          what: "recording files",
        });
      }
      await client.close();
      await waitFor(() => server.state.sessions.size === 0, { what: "session freed" });
    };
    await session(true); // warm-up
    for (const { conn, ended } of upstream.accepted.splice(0)) {
      await ended;
      conn.close();
    }
    const baseline = openDescriptorCount();

    for (let i = 0; i < 20; i++) await session(i % 2 === 1);
    // The relay gave up every upstream connection it had started.
    await Promise.all(upstream.accepted.map((a) => a.ended));
    ok(upstream.accepted.length >= 10, `${upstream.accepted.length} upstream dials`);
    for (const { conn } of upstream.accepted.splice(0)) conn.close();
    await descriptorsBackTo(baseline);
    deepEqual(openFilesUnder(tmp.path), []);
    deepEqual([...Deno.readDirSync(tmp.path)], []);
    equal((await healthz(server.url)).recording, "ok");
  },
);
