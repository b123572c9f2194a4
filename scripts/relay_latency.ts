/**
 * The round trip the relay adds (`deno task bench:relay`), measured beside its baseline in
 * one run: N sessions (default 100) each send a 20 ms append of recorded speech every 20 ms to
 * a fake GA upstream that echoes each one at once; phase A talks to the upstream directly,
 * phase B through the relay (`/api/relay`), with the same N, warm-up and duration. The
 * upstream and the relay server run in subprocesses of their own; this process is the load
 * generator.
 *
 * Target (PERF.md): the relay adds ≤ 1 ms at p50 and ≤ 5 ms at p99 at 100 sessions.
 *
 *     deno task bench:relay [--sessions 100] [--seconds 10] [--warmup 2] [--json]
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  appendSuffixes,
  type BenchSession,
  closeSamples,
  drainEchoes,
  errorSamples,
  handshakeFailures,
  openSession,
  type ReadyOn,
  RttSink,
  stream,
} from "./_bench_client.ts";
import {
  CpuMeter,
  fixed,
  intOption,
  MachineMeter,
  mapLimit,
  type Peer,
  print,
  progress,
  relayUrl,
  rssBytes,
  sleep,
  speechFrames,
  startPeer,
  summarize,
  type Summary,
  table,
} from "./_bench_tools.ts";

const FRAMES_PER_SECOND = 50;
const TARGET_ADDED_P50_MS = 1;
const TARGET_ADDED_P99_MS = 5;

interface PhaseResult {
  phase: "direct" | "relay";
  sessions: number;
  rttMs: Summary;
  sent: number;
  lost: number;
  errors: number;
  /** Sessions that never became ready (each was retried with a new one). */
  stuckHandshakes: number;
  badCloses: number;
  socketErrors: number;
  /**
   * % of one core over the measurement window; `others` is what every other process on this
   * shared machine used meanwhile (of 100 × cores in all).
   */
  cpu: { relay: number; upstream: number; client: number; others: number };
  relayRssMb: number;
}

interface Options {
  sessions: number;
  seconds: number;
  warmup: number;
  json: boolean;
}

function readOptions(): Options {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      sessions: { type: "string" },
      seconds: { type: "string" },
      warmup: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  return {
    sessions: intOption("sessions", values.sessions, 100),
    seconds: intOption("seconds", values.seconds, 10),
    warmup: intOption("warmup", values.warmup, 2, 0),
    json: values.json ?? false,
  };
}

async function runPhase(
  phase: PhaseResult["phase"],
  options: Options,
  suffixes: string[],
  upstream: Peer,
  relay: Peer,
): Promise<PhaseResult> {
  const n = options.sessions;
  const readyOn: ReadyOn = phase === "direct" ? "session.created" : "session.updated";
  const direct = `ws://127.0.0.1:${upstream.port}/v1/realtime?model=gpt-realtime`;
  progress(`${phase}: opening ${n} sessions`);
  const failuresBefore = handshakeFailures.length;
  const sessions: BenchSession[] = await mapLimit(
    Array.from({ length: n }, (_, i) => i),
    20,
    (i) => {
      const url = () => phase === "direct" ? direct : relayUrl(relay.url);
      // Start each session at a different place in the speech.
      const offset = Math.floor((i * suffixes.length) / n);
      return openSession(url, `${phase[0]}${i}`, offset, readyOn);
    },
  );
  await sleep(500);
  const warmupFrames = options.warmup * FRAMES_PER_SECOND;
  const measured = options.seconds * FRAMES_PER_SECOND;
  const rtts = new RttSink(n * measured);
  const meters = {
    relay: new CpuMeter(relay.pid),
    upstream: new CpuMeter(upstream.pid),
    client: new CpuMeter(Deno.pid),
    machine: new MachineMeter(),
  };
  const cpu = { relay: NaN, upstream: NaN, client: NaN, others: NaN };
  progress(`${phase}: streaming ${options.warmup} s warm-up + ${options.seconds} s measured`);
  await stream(sessions, {
    frames: warmupFrames + measured,
    warmupFrames,
    suffixes,
    rtts,
    onWindowStart() {
      for (const meter of Object.values(meters)) meter.start();
    },
    onWindowEnd() {
      cpu.relay = meters.relay.stop();
      cpu.upstream = meters.upstream.stop();
      cpu.client = meters.client.stop();
      // The machine's counter is sampled per tick, the processes' are exact: clamp the noise.
      cpu.others = Math.max(0, meters.machine.stop() - cpu.relay - cpu.upstream - cpu.client);
    },
  });
  const relayRssMb = rssBytes(relay.pid) / 2 ** 20;
  await drainEchoes(sessions, 2000);
  const sent = sessions.reduce((sum, s) => sum + s.sentMeasured, 0);
  const echoed = sessions.reduce((sum, s) => sum + s.echoedMeasured, 0);
  const errors = sessions.reduce((sum, s) => sum + s.errors, 0);
  await Promise.all(sessions.map((s) => s.close()));
  return {
    phase,
    sessions: n,
    rttMs: summarize(rtts.taken()),
    sent,
    lost: sent - echoed,
    errors,
    stuckHandshakes: handshakeFailures.length - failuresBefore,
    badCloses: sessions.filter((s) => s.badClose).length,
    socketErrors: sessions.reduce((sum, s) => sum + s.socketErrors, 0),
    cpu,
    relayRssMb,
  };
}

function verdict(name: string, measured: number, target: number): string {
  const met = measured <= target;
  return `- added ${name}: ${fixed(measured)} ms (target ≤ ${target} ms): ${
    met ? "met" : "**missed**"
  }`;
}

function report(options: Options, direct: PhaseResult, relay: PhaseResult): string {
  const row = (r: PhaseResult) => [
    r.phase,
    String(r.sessions),
    String(r.rttMs.count),
    fixed(r.rttMs.p50),
    fixed(r.rttMs.p95),
    fixed(r.rttMs.p99),
    fixed(r.rttMs.max),
    String(r.lost),
    String(r.errors + r.badCloses + r.socketErrors),
    String(r.stuckHandshakes),
    fixed(r.cpu.relay, 0),
    fixed(r.cpu.upstream, 0),
    fixed(r.cpu.client, 0),
    fixed(r.cpu.others, 0),
    fixed(r.relayRssMb, 1),
  ];
  const added = [
    "added (relay − direct)",
    "",
    "",
    fixed(relay.rttMs.p50 - direct.rttMs.p50),
    fixed(relay.rttMs.p95 - direct.rttMs.p95),
    fixed(relay.rttMs.p99 - direct.rttMs.p99),
    fixed(relay.rttMs.max - direct.rttMs.max),
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
  ];
  const lines = [
    `Relay round trip: ${options.sessions} sessions × ${FRAMES_PER_SECOND} appends/s, ` +
    `${options.warmup} s warm-up, ${options.seconds} s measured per phase`,
    "",
    table(
      [
        "phase",
        "sessions",
        "round trips",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "lost",
        "errors",
        "never ready",
        "relay CPU %",
        "upstream CPU %",
        "client CPU %",
        "other programs CPU %",
        "relay RSS MB",
      ],
      [row(direct), row(relay), added],
    ),
    "",
    '"errors": error events, closes other than our 1000, socket errors. "never ready": ' +
    "sessions that did not get `session.created` (direct) or `session.updated` (relay) within " +
    "5 s and were replaced by a new one.",
    `CPU is % of one core over the measured window (utime + stime from /proc; this machine ` +
    `has ${navigator.hardwareConcurrency} cores). "Other programs": CPU used meanwhile by ` +
    "every other process (this machine is shared); it delays the relay's process like any " +
    "other, and the round trips cannot tell that apart from the relay's own cost.",
    "",
    verdict("p50", relay.rttMs.p50 - direct.rttMs.p50, TARGET_ADDED_P50_MS),
    verdict("p99", relay.rttMs.p99 - direct.rttMs.p99, TARGET_ADDED_P99_MS),
  ];
  if (errorSamples.length > 0) {
    lines.push("", "First errors:", ...errorSamples.map((e) => `- ${e}`));
  }
  if (handshakeFailures.length > 0) {
    lines.push("", "Sessions never ready:", ...handshakeFailures.slice(0, 5).map((e) => `- ${e}`));
  }
  if (closeSamples.length > 0) {
    lines.push("", "Unexpected closes:", ...closeSamples.map((e) => `- ${e}`));
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const options = readOptions();
  const suffixes = appendSuffixes(await speechFrames());
  const upstream = await startPeer("upstream");
  let relay: Peer | null = null;
  try {
    relay = await startPeer("server", [], {
      REALTIME_UPSTREAM: "openai",
      OPENAI_API_KEY: "sk-bench",
      REALTIME_URL: `ws://127.0.0.1:${upstream.port}/v1/realtime`,
      MAX_SESSIONS_PER_CLIENT: "1000",
      LOG_LEVEL: "silent",
      HOSTNAME: "127.0.0.1",
      PORT: "0",
    });
    const direct = await runPhase("direct", options, suffixes, upstream, relay);
    const relayed = await runPhase("relay", options, suffixes, upstream, relay);
    if (options.json) {
      print(JSON.stringify(
        {
          sessions: options.sessions,
          seconds: options.seconds,
          warmup: options.warmup,
          framesPerSecond: FRAMES_PER_SECOND,
          direct,
          relay: relayed,
          addedMs: {
            p50: relayed.rttMs.p50 - direct.rttMs.p50,
            p95: relayed.rttMs.p95 - direct.rttMs.p95,
            p99: relayed.rttMs.p99 - direct.rttMs.p99,
          },
          targetsMs: { addedP50: TARGET_ADDED_P50_MS, addedP99: TARGET_ADDED_P99_MS },
          errorSamples,
          handshakeFailures,
          closeSamples,
        },
        null,
        2,
      ));
    } else {
      print(report(options, direct, relayed));
    }
  } finally {
    await relay?.stop();
    await upstream.stop();
  }
}

if (import.meta.main) await main();
