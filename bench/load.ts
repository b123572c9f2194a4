/**
 * Load through the relay (`deno task load`): N concurrent synthetic sessions, each streaming
 * recorded speech (speech_24k.wav, looped) in real time as 20 ms appends, into
 *
 * - `local`: the embedded emulator (`REALTIME_UPSTREAM=local`, the emulator runs in the
 *   server's process, so its VAD and replies count as server CPU), with `RECORD_DIR` set;
 * - `fake`: a fake GA upstream in its own process that echoes each append (a small event
 *   back per append, so frames flow both ways) and counts appends per session.
 *
 * For each mode and N, on a fresh server: memory per idle session (N connected sessions
 * sending nothing), then the streaming run: server CPU (% of one core, and the sessions one
 * core would carry at 60 %), memory per active session, errors, and frames lost (appends sent
 * against what reached the upstream: the fake upstream's count per session, or the bytes of
 * each session's `.input.wav` recording, which holds exactly the audio forwarded upstream).
 *
 * Targets (docs/targets.md): ≥ 200 sessions per core at ≤ 60 % CPU, ≤ 200 KB per idle session,
 * 0 errors, 0 frames lost.
 *
 * With `--rollover` every session's upstream is swapped for a new one every few seconds
 * (local: `EMULATOR_SESSION_SECONDS` 8 and `SESSION_ROLLOVER_SECONDS` 4, the echo coach; fake:
 * `SESSION_ROLLOVER_SECONDS` 3596 against its hour-long sessions), and the report adds, from
 * the server's `/metrics` over the run (`_rollover.ts`): rollovers by reason, the switch time,
 * and the fate of every message (sent at once, held during a switch, released, dropped).
 *
 *     deno task load [--sessions 50,100,200] [--seconds 15] [--mode local|fake|both] [--rollover]
 *       [--json]
 *
 * @module
 */
import { FRAME_BYTES } from "@/lib/shared/audio_format.ts";
import * as client from "./_client.ts";
import { CpuMeter, MachineMeter, rssBytes } from "./_proc.ts";
import { fixed, intOption, print, progress, readFlags, table } from "./_report.ts";
import {
  readRolloverMetrics,
  rolloverDelta,
  rolloverLines,
  type RolloverReport,
  rolloverReport,
} from "./_rollover.ts";
import {
  inputRecordings,
  mapLimit,
  type Peer,
  recordedBytes,
  speechFrames,
  startPeer,
} from "./_tools.ts";
import { summarize, type Summary } from "@/testing/stats.ts";
import { sleep } from "@/testing/wait.ts";
import { relayUrl } from "@/testing/ws_client.ts";

type Mode = "local" | "fake";

const FRAMES_PER_SECOND = 50;
/** Streaming before the CPU window opens (connections settle, code is optimized). */
const RAMP_SECONDS = 2;
/** Idle sessions settle this long before their memory is read. */
const IDLE_SETTLE_MS = 3000;
const TARGET_CPU_PERCENT = 60;
const TARGET_SESSIONS_PER_CORE = 200;
const TARGET_IDLE_KB = 200;

/** With `--rollover`, each upstream session is swapped for a new one about this often. */
const ROLLOVER_EVERY_SECONDS = 4;

interface Options {
  sessions: number[];
  seconds: number;
  modes: Mode[];
  json: boolean;
  rollover: boolean;
}

interface PointResult {
  mode: Mode;
  sessions: number;
  seconds: number;
  /** Server CPU over the streaming window (after the ramp), % of one core. */
  serverCpu: number;
  /** Sessions one core would carry at 60 % CPU, from this point's CPU per session. */
  sessionsPerCoreAt60: number;
  baselineRssMb: number;
  idleKbPerSession: number;
  activeKbPerSession: number;
  /** `error` events received by the clients. */
  errors: number;
  /** Closes other than the client's own 1000, and socket errors. */
  badCloses: number;
  /** Sessions that never became ready and were replaced. */
  neverReady: number;
  framesSent: number;
  framesLost: number;
  /** How the frames that arrived were counted. */
  lossCheck: string;
  clientCpu: number;
  upstreamCpu: number;
  othersCpu: number;
  /** Append → echo round trip through the relay (fake mode). */
  rttMs: Summary | null;
  /** With `--rollover`. */
  rollover: RolloverReport | null;
}

function readOptions(): Options {
  const values = readFlags({
    string: ["sessions", "seconds", "mode"],
    boolean: ["json", "rollover"],
  });
  const sessions = (values.sessions ?? "50,100,200").split(",").map((text) =>
    intOption("sessions", text.trim(), 0)
  );
  const mode = values.mode ?? "both";
  if (mode !== "local" && mode !== "fake" && mode !== "both") {
    throw new TypeError(`Cannot read --mode: ${JSON.stringify(mode)} is not local, fake or both`);
  }
  return {
    sessions,
    seconds: intOption("seconds", values.seconds, 15),
    modes: mode === "both" ? ["local", "fake"] : [mode],
    json: values.json,
    rollover: values.rollover,
  };
}

/**
 * Frames of the sessions' recordings: waits (up to 10 s) until the new recordings in `dir`
 * hold `expectedFrames` in all, since each is finished after its session closes.
 */
async function recordedFrames(
  dir: string,
  before: Set<string>,
  expectedFrames: number,
): Promise<number> {
  const until = performance.now() + 10_000;
  for (;;) {
    let frames = 0;
    for (const name of await inputRecordings(dir)) {
      if (!before.has(name)) {
        frames += Math.floor((await recordedBytes(`${dir}/${name}`)) / FRAME_BYTES);
      }
    }
    if (frames >= expectedFrames || performance.now() > until) return frames;
    await sleep(200);
  }
}

async function upstreamCounts(upstream: Peer): Promise<Map<string, number>> {
  const res = await fetch(`${upstream.url}/stats`);
  const { connections } = await res.json() as {
    connections: { tag: string | null; appends: number }[];
  };
  const counts = new Map<string, number>();
  for (const c of connections) {
    if (c.tag !== null) counts.set(c.tag, (counts.get(c.tag) ?? 0) + c.appends);
  }
  return counts;
}

/** Opens `n` sessions; one that fails every attempt is left out (and counted as never ready). */
async function openAll(
  server: Peer,
  n: number,
  tagPrefix: string,
  frameCount: number,
): Promise<client.BenchSession[]> {
  const sessions = await mapLimit(
    Array.from({ length: n }, (_, i) => i),
    20,
    (i) =>
      client.openSession(
        () => relayUrl(server.url),
        `${tagPrefix}${i}`,
        Math.floor((i * frameCount) / Math.max(1, n)),
        "session.updated",
      ).catch(() => null),
  );
  return sessions.filter((s) => s !== null);
}

async function runPoint(
  mode: Mode,
  n: number,
  seconds: number,
  suffixes: string[],
  rollover: boolean,
): Promise<PointResult> {
  progress(`${mode}, ${n} sessions: starting`);
  const upstream = mode === "fake" ? await startPeer("upstream") : null;
  const recordDir = mode === "local" ? await Deno.makeTempDir({ prefix: "relay_load_" }) : null;
  const env: Record<string, string> = {
    MAX_SESSIONS_PER_CLIENT: "100000",
    TICKET_RATE_PER_CLIENT: "off",
    KV_PATH: ":memory:",
    DAILY_MINUTES_PER_CLIENT: "off",
    LOG_LEVEL: "silent",
    HOSTNAME: "127.0.0.1",
    PORT: "0",
  };
  if (upstream) {
    Object.assign(env, {
      REALTIME_UPSTREAM: "openai",
      OPENAI_API_KEY: "sk-bench",
      REALTIME_URL: `ws://127.0.0.1:${upstream.port}/v1/realtime`,
    });
  } else {
    Object.assign(env, { REALTIME_UPSTREAM: "local", RECORD_DIR: recordDir!, LOCAL_COACH: "echo" });
  }
  if (rollover) {
    Object.assign(
      env,
      upstream ? { SESSION_ROLLOVER_SECONDS: String(3600 - ROLLOVER_EVERY_SECONDS) } : {
        EMULATOR_SESSION_SECONDS: String(2 * ROLLOVER_EVERY_SECONDS),
        SESSION_ROLLOVER_SECONDS: String(ROLLOVER_EVERY_SECONDS),
      },
    );
  }
  const failuresBefore = client.handshakeFailures.length;
  const errorsBefore = client.errorSamples.length;
  let server: Peer | null = null;
  try {
    server = await startPeer("server", [], env);
    // Warm-up: two sessions stream a second, so that code is loaded and compiled before the
    // baseline is read.
    const warm = await openAll(server, 2, "w", suffixes.length);
    await client.stream(warm, { frames: FRAMES_PER_SECOND, warmupFrames: 0, suffixes, rtts: null });
    await Promise.all(warm.map((s) => s.close()));
    await sleep(1000);
    const before = recordDir ? await inputRecordings(recordDir) : new Set<string>();
    const baseline = rssBytes(server.pid);
    const metricsBefore = readRolloverMetrics(await serverMetrics(server));

    progress(`${mode}, ${n} sessions: opening, then ${IDLE_SETTLE_MS / 1000} s idle`);
    const sessions = await openAll(server, n, "s", suffixes.length);
    await sleep(IDLE_SETTLE_MS);
    const idle = rssBytes(server.pid);

    progress(`${mode}, ${n} sessions: streaming ${seconds} s`);
    const frames = seconds * FRAMES_PER_SECOND;
    const rampFrames = Math.min(RAMP_SECONDS * FRAMES_PER_SECOND, Math.floor(frames / 4));
    const rtts = upstream ? new client.RttSink(n * frames) : null;
    const meters = {
      server: new CpuMeter(server.pid),
      client: new CpuMeter(Deno.pid),
      upstream: upstream ? new CpuMeter(upstream.pid) : null,
      machine: new MachineMeter(),
    };
    const cpu = { server: NaN, client: NaN, upstream: NaN, others: NaN };
    await client.stream(sessions, {
      frames,
      warmupFrames: rampFrames,
      suffixes,
      rtts,
      onWindowStart() {
        meters.server.start();
        meters.client.start();
        meters.upstream?.start();
        meters.machine.start();
      },
      onWindowEnd() {
        cpu.server = meters.server.stop();
        cpu.client = meters.client.stop();
        cpu.upstream = meters.upstream?.stop() ?? 0;
        // The machine's counter is sampled per tick, the processes' are exact: clamp the noise.
        cpu.others = Math.max(
          0,
          meters.machine.stop() - cpu.server - cpu.client - cpu.upstream,
        );
      },
    });
    const active = rssBytes(server.pid);
    if (upstream) await client.drainEchoes(sessions, 2000);
    else await sleep(500);
    await Promise.all(sessions.map((s) => s.close()));
    const rolled = rolloverDelta(metricsBefore, readRolloverMetrics(await serverMetrics(server)));

    const framesSent = sessions.reduce((sum, s) => sum + s.sent, 0);
    let arrived = 0;
    let lossCheck: string;
    if (upstream) {
      const counts = await upstreamCounts(upstream);
      for (const s of sessions) arrived += Math.min(s.sent, counts.get(s.tag) ?? 0);
      lossCheck = "appends counted by the fake upstream, per session";
    } else {
      arrived = await recordedFrames(recordDir!, before, framesSent);
      lossCheck = "bytes of the sessions' .input.wav recordings / 960";
    }
    return {
      mode,
      sessions: n,
      seconds,
      serverCpu: cpu.server,
      sessionsPerCoreAt60: (n * TARGET_CPU_PERCENT) / cpu.server,
      baselineRssMb: baseline / 2 ** 20,
      idleKbPerSession: (idle - baseline) / 1024 / n,
      activeKbPerSession: (active - baseline) / 1024 / n,
      errors: sessions.reduce((sum, s) => sum + s.errors, 0) +
        warm.reduce((sum, s) => sum + s.errors, 0),
      badCloses: sessions.filter((s) => s.badClose).length +
        sessions.reduce((sum, s) => sum + s.socketErrors, 0),
      neverReady: client.handshakeFailures.length - failuresBefore,
      framesSent,
      framesLost: framesSent - arrived,
      lossCheck,
      clientCpu: cpu.client,
      upstreamCpu: cpu.upstream,
      othersCpu: cpu.others,
      rttMs: rtts ? summarize(rtts.taken()) : null,
      rollover: rollover ? rolloverReport(rolled, sessions.length) : null,
    };
  } finally {
    await server?.stop();
    await upstream?.stop();
    if (recordDir) await Deno.remove(recordDir, { recursive: true });
    if (client.errorSamples.length > errorsBefore) {
      progress(
        `${mode}, ${n} sessions: errors:\n${client.errorSamples.slice(errorsBefore).join("\n")}`,
      );
    }
  }
}

/** The server's `/metrics` text. */
async function serverMetrics(server: Peer): Promise<string> {
  return await (await fetch(`${server.url}/metrics`)).text();
}

function report(options: Options, results: PointResult[]): string {
  const rows = results.map((r) => [
    r.mode,
    String(r.sessions),
    fixed(r.serverCpu, 0),
    fixed(r.sessionsPerCoreAt60, 0),
    fixed(r.idleKbPerSession, 0),
    fixed(r.activeKbPerSession, 0),
    fixed(r.baselineRssMb, 0),
    String(r.errors),
    String(r.badCloses),
    String(r.neverReady),
    String(r.framesSent),
    String(r.framesLost),
    r.rttMs ? `${fixed(r.rttMs.p50)} / ${fixed(r.rttMs.p99)}` : "–",
    fixed(r.clientCpu, 0),
    r.mode === "fake" ? fixed(r.upstreamCpu, 0) : "–",
    fixed(r.othersCpu, 0),
  ]);
  const lines = [
    `Relay load: ${options.seconds} s of streaming per point (20 ms appends of looped speech, ` +
    `${RAMP_SECONDS} s ramp excluded from CPU), ${navigator.hardwareConcurrency} cores`,
    "",
    table(
      [
        "upstream",
        "sessions",
        "server CPU %",
        "sessions/core at 60 %",
        "KB/idle session",
        "KB/active session",
        "baseline RSS MB",
        "error events",
        "bad closes",
        "never ready",
        "frames sent",
        "frames lost",
        "RTT p50 / p99 ms",
        "client CPU %",
        "upstream CPU %",
        "other programs CPU %",
      ],
      rows,
    ),
    "",
    "CPU: % of one core (utime + stime from /proc) over the streaming window. " +
    "Local mode runs the emulator inside the server process, so its CPU includes the " +
    "emulator's VAD and replies; the fake upstream runs in its own process. " +
    "Memory: server RSS over the baseline (after a warm-up, before the sessions), per session. " +
    '"never ready": sessions that did not get `session.updated` within 5 s and were replaced. ' +
    '"other programs": CPU used meanwhile by every other process (this machine is shared).',
    "",
    ...verdicts(results),
  ];
  lines.push(...rolloverLines(results, ROLLOVER_EVERY_SECONDS));
  lines.push(...client.problemLines());
  return lines.join("\n");
}

function verdicts(results: PointResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const missed: string[] = [];
    // Per-message cost falls as load rises (more messages per wake-up), so capacity is
    // judged only where the load is at least the target's own.
    if (
      r.sessions >= TARGET_SESSIONS_PER_CORE && r.sessionsPerCoreAt60 < TARGET_SESSIONS_PER_CORE
    ) {
      missed.push(
        `${
          fixed(r.sessionsPerCoreAt60, 0)
        } sessions/core at 60 % (target ≥ ${TARGET_SESSIONS_PER_CORE})`,
      );
    }
    if (r.idleKbPerSession > TARGET_IDLE_KB) {
      missed.push(
        `${fixed(r.idleKbPerSession, 0)} KB per idle session (target ≤ ${TARGET_IDLE_KB})`,
      );
    }
    if (r.errors + r.badCloses + r.neverReady > 0) {
      missed.push(
        `${r.errors} error events, ${r.badCloses} bad closes, ${r.neverReady} never ready (target 0)`,
      );
    }
    if (r.framesLost !== 0) missed.push(`${r.framesLost} frames lost (target 0)`);
    const capacity = r.sessions >= TARGET_SESSIONS_PER_CORE
      ? ""
      : ` (capacity not judged below ${TARGET_SESSIONS_PER_CORE} sessions)`;
    lines.push(
      `- ${r.mode}, ${r.sessions} sessions: ${
        missed.length ? `**missed**: ${missed.join("; ")}` : "all targets met"
      }${capacity}`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const options = readOptions();
  const suffixes = client.appendSuffixes(await speechFrames());
  const results: PointResult[] = [];
  for (const mode of options.modes) {
    for (const n of options.sessions) {
      results.push(await runPoint(mode, n, options.seconds, suffixes, options.rollover));
    }
  }
  if (options.json) {
    print(JSON.stringify(
      {
        seconds: options.seconds,
        rampSeconds: RAMP_SECONDS,
        framesPerSecond: FRAMES_PER_SECOND,
        targets: {
          sessionsPerCoreAtCpuPercent: TARGET_SESSIONS_PER_CORE,
          cpuPercent: TARGET_CPU_PERCENT,
          idleKbPerSession: TARGET_IDLE_KB,
        },
        results,
        errorSamples: client.errorSamples,
        handshakeFailures: client.handshakeFailures,
        closeSamples: client.closeSamples,
      },
      null,
      2,
    ));
  } else {
    print(report(options, results));
  }
}

if (import.meta.main) await main();
