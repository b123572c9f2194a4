/**
 * The round trip the relay adds (`deno task bench:relay`), measured beside its baseline in
 * one run: N sessions (default 100) each send a 20 ms append of recorded speech every 20 ms to
 * a fake GA upstream that echoes each one at once; "direct" sessions talk to the upstream
 * itself, "relay" sessions go through the relay (`/api/relay`). Both sets stay open for the
 * whole run and stream in turns: after a warm-up, R rounds (default 5) of S seconds each
 * (default 4), direct then relay in even rounds and relay then direct in odd ones, so that
 * both see the same spells of noise on this shared machine. Only one set streams at a time,
 * so the load is always N sessions. The pooled percentiles are the result; each round's are
 * printed too. The upstream and the relay server run in subprocesses of their own; this
 * process is the load generator. Before and after the phases it measures how much this machine
 * pauses a running thread, and during each phase how late a sleeping thread wakes
 * (`_noise.ts`), for reading the tail.
 *
 * Target (docs/targets.md): the relay adds ≤ 1 ms at p50 and ≤ 5 ms at p99 at 100 sessions;
 * results in BENCHMARKS.md, "Relay round trip".
 *
 *     deno task bench:relay [--sessions 100] [--rounds 5] [--seconds 4] [--warmup 2] [--json]
 *
 * @module
 */
import {
  type HostNoise,
  hostNoise,
  noiseLine,
  type WakeupLateness,
  wakeupLateness,
  WakeupProbe,
  type WakeupWindow,
} from "./_noise.ts";
import {
  appendSuffixes,
  type BenchSession,
  closeSamples,
  drainEchoes,
  errorSamples,
  handshakeFailures,
  openSession,
  problemLines,
  type ReadyOn,
  RttSink,
  stream,
} from "./_client.ts";
import { CpuMeter, MachineMeter, rssBytes } from "./_proc.ts";
import { fixed, intOption, print, progress, readFlags, table } from "./_report.ts";
import { mapLimit, type Peer, speechFrames, startPeer } from "./_tools.ts";
import { median, summarize, type Summary } from "@/testing/stats.ts";
import { sleep } from "@/testing/wait.ts";
import { relayUrl } from "@/testing/ws_client.ts";

const FRAMES_PER_SECOND = 50;
const TARGET_ADDED_P50_MS = 1;
const TARGET_ADDED_P99_MS = 5;

type PhaseName = "direct" | "forwarder" | "relay";

/**
 * % of one core; `middle` is the process the phase's messages cross (the relay or the
 * forwarder; NaN for direct), `others` what every other process on this shared machine used.
 */
interface Cpu {
  middle: number;
  upstream: number;
  client: number;
  others: number;
}

interface PhaseResult {
  phase: PhaseName;
  sessions: number;
  /** Every measured round trip of every round. */
  rttMs: Summary;
  /** Each round's own percentiles, in round order. */
  rounds: Summary[];
  sent: number;
  lost: number;
  errors: number;
  /** Sessions that never became ready (each was retried with a new one). */
  stuckHandshakes: number;
  badCloses: number;
  socketErrors: number;
  /** Mean over this phase's measured windows. */
  cpu: Cpu;
  /** RSS of the process in the middle at the end, MB. */
  rssMb: number;
  /** How late a sleeping thread of this process woke while the phase streamed. */
  wakeup: WakeupLateness;
  /** The same, per round. */
  wakeupRounds: WakeupLateness[];
}

interface Options {
  sessions: number;
  rounds: number;
  seconds: number;
  warmup: number;
  json: boolean;
}

function readOptions(): Options {
  const values = readFlags({
    string: ["sessions", "rounds", "seconds", "warmup"],
    boolean: ["json"],
  });
  return {
    sessions: intOption("sessions", values.sessions, 100),
    rounds: intOption("rounds", values.rounds, 5),
    seconds: intOption("seconds", values.seconds, 4),
    warmup: intOption("warmup", values.warmup, 2, 0),
    json: values.json,
  };
}

/** One set of sessions (direct or relayed) and what its measured windows collected. */
class Phase {
  readonly name: PhaseName;
  /** The process between the sessions and the upstream, if any. */
  readonly via: Peer | null;
  readonly sessions: BenchSession[];
  readonly stuckHandshakes: number;
  readonly rounds: Float64Array[] = [];
  readonly #cpu: Cpu[] = [];
  readonly #wakeups: WakeupWindow[] = [];

  constructor(
    name: PhaseName,
    via: Peer | null,
    sessions: BenchSession[],
    stuckHandshakes: number,
  ) {
    this.name = name;
    this.via = via;
    this.sessions = sessions;
    this.stuckHandshakes = stuckHandshakes;
  }

  static async open(
    name: PhaseName,
    via: Peer | null,
    n: number,
    url: () => Promise<string> | string,
    speechLength: number,
  ): Promise<Phase> {
    // Only the relay configures the session; the fake upstream greets every socket.
    const readyOn: ReadyOn = name === "relay" ? "session.updated" : "session.created";
    progress(`${name}: opening ${n} sessions`);
    const failuresBefore = handshakeFailures.length;
    const sessions = await mapLimit(
      Array.from({ length: n }, (_, i) => i),
      20,
      // Start each session at a different place in the speech.
      (i) => openSession(url, `${name[0]}${i}`, Math.floor((i * speechLength) / n), readyOn),
    );
    return new Phase(name, via, sessions, handshakeFailures.length - failuresBefore);
  }

  /** Streams `frames` appends per session; measured unless `warmup`. */
  async stream(
    frames: number,
    suffixes: string[],
    upstream: Peer,
    probe: WakeupProbe,
    warmup = false,
  ): Promise<void> {
    const rtts = warmup ? null : new RttSink(this.sessions.length * frames);
    const meters = {
      middle: this.via ? new CpuMeter(this.via.pid) : null,
      upstream: new CpuMeter(upstream.pid),
      client: new CpuMeter(Deno.pid),
      machine: new MachineMeter(),
    };
    // Replaced when the measured window opens; a warm-up never reads it.
    let closeWindow = probe.window();
    await stream(this.sessions, {
      frames,
      // A warm-up measures nothing: no round trip, no sent or echoed count.
      warmupFrames: warmup ? frames : 0,
      suffixes,
      rtts,
      onWindowStart() {
        for (const meter of Object.values(meters)) meter?.start();
        closeWindow = probe.window();
      },
      onWindowEnd: () => {
        if (warmup) return;
        const middle = meters.middle?.stop() ?? NaN;
        const upstream = meters.upstream.stop();
        const client = meters.client.stop();
        const ours = (Number.isNaN(middle) ? 0 : middle) + upstream + client;
        // The machine's counter is sampled per tick, the processes' are exact: clamp the noise.
        const others = Math.max(0, meters.machine.stop() - ours);
        this.#cpu.push({ middle, upstream, client, others });
        this.#wakeups.push(closeWindow());
      },
    });
    await drainEchoes(this.sessions, 2000);
    if (rtts) this.rounds.push(rtts.taken());
  }

  async result(): Promise<PhaseResult> {
    const sessions = this.sessions;
    const rssMb = this.via ? rssBytes(this.via.pid) / 2 ** 20 : NaN;
    const sent = sessions.reduce((sum, s) => sum + s.sentMeasured, 0);
    const echoed = sessions.reduce((sum, s) => sum + s.echoedMeasured, 0);
    const errors = sessions.reduce((sum, s) => sum + s.errors, 0);
    await Promise.all(sessions.map((s) => s.close()));
    const all = new Float64Array(this.rounds.reduce((sum, r) => sum + r.length, 0));
    let at = 0;
    for (const round of this.rounds) {
      all.set(round, at);
      at += round.length;
    }
    const mean = (key: keyof Cpu) =>
      this.#cpu.reduce((sum, c) => sum + c[key], 0) / this.#cpu.length;
    return {
      phase: this.name,
      sessions: sessions.length,
      rttMs: summarize(all),
      rounds: this.rounds.map((round) => summarize(round)),
      sent,
      lost: sent - echoed,
      errors,
      stuckHandshakes: this.stuckHandshakes,
      badCloses: sessions.filter((s) => s.badClose).length,
      socketErrors: sessions.reduce((sum, s) => sum + s.socketErrors, 0),
      cpu: {
        middle: mean("middle"),
        upstream: mean("upstream"),
        client: mean("client"),
        others: mean("others"),
      },
      rssMb,
      wakeup: wakeupLateness(this.#wakeups),
      wakeupRounds: this.#wakeups.map((w) => wakeupLateness([w])),
    };
  }
}

function verdict(name: string, measured: number, target: number): string {
  const met = measured <= target;
  return `- added ${name}: ${fixed(measured)} ms (target ≤ ${target} ms): ${
    met ? "met" : "**missed**"
  }`;
}

type Key = "p50" | "p95" | "p99" | "max";

/** `of` minus `base`, per round, for percentile `key`. */
function addedPerRound(of: PhaseResult, base: PhaseResult, key: Key): number[] {
  return of.rounds.map((r, i) => r[key] - base.rounds[i][key]);
}

function added(of: PhaseResult, base: PhaseResult): Record<Key, number> {
  return {
    p50: of.rttMs.p50 - base.rttMs.p50,
    p95: of.rttMs.p95 - base.rttMs.p95,
    p99: of.rttMs.p99 - base.rttMs.p99,
    max: of.rttMs.max - base.rttMs.max,
  };
}

function report(
  options: Options,
  [direct, forwarder, relay]: PhaseResult[],
  noise: { before: HostNoise; after: HostNoise },
): string {
  const row = (r: PhaseResult) => [
    r.phase,
    String(r.rttMs.count),
    fixed(r.rttMs.p50),
    fixed(r.rttMs.p95),
    fixed(r.rttMs.p99),
    fixed(r.rttMs.max),
    String(r.lost),
    String(r.errors + r.badCloses + r.socketErrors),
    String(r.stuckHandshakes),
    fixed(r.cpu.middle, 0),
    fixed(r.cpu.upstream, 0),
    fixed(r.cpu.client, 0),
    fixed(r.cpu.others, 0),
    fixed(r.rssMb, 1),
    `${fixed(r.wakeup.p99Ms)} / ${fixed(r.wakeup.maxMs)}`,
  ];
  const addedRow = (label: string, of: PhaseResult, base: PhaseResult) => {
    const a = added(of, base);
    return [
      label,
      "",
      fixed(a.p50),
      fixed(a.p95),
      fixed(a.p99),
      fixed(a.max),
      ...Array(9).fill(""),
    ];
  };
  const perRound = (of: PhaseResult, base: PhaseResult, key: Key) => {
    const values = addedPerRound(of, base, key);
    return `${values.map((v) => fixed(v)).join(", ")} (median ${fixed(median(values))})`;
  };
  const relayAdded = added(relay, direct);
  const lines = [
    `Relay round trip: ${options.sessions} sessions × ${FRAMES_PER_SECOND} appends/s, ` +
    `${options.warmup} s warm-up, then ${options.rounds} rounds of ${options.seconds} s per ` +
    `phase, phases taking turns`,
    "",
    table(
      [
        "phase",
        "round trips",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "lost",
        "errors",
        "never ready",
        "middle CPU %",
        "upstream CPU %",
        "client CPU %",
        "other programs CPU %",
        "middle RSS MB",
        "wake-up late p99 / max ms",
      ],
      [
        row(direct),
        row(forwarder),
        row(relay),
        addedRow("**added by the relay** (relay − direct)", relay, direct),
        addedRow("added by a bare forwarder (forwarder − direct)", forwarder, direct),
        addedRow("the relay's own work (relay − forwarder)", relay, forwarder),
      ],
    ),
    "",
    `Added by the relay, p50 per round (ms): ${perRound(relay, direct, "p50")}`,
    `Added by the relay, p99 per round (ms): ${perRound(relay, direct, "p99")}`,
    `Added by the forwarder, p99 per round (ms): ${perRound(forwarder, direct, "p99")}`,
    `Wake-up lateness, max per round (ms): ${
      [direct, forwarder, relay].map((r) =>
        `${r.phase} ${r.wakeupRounds.map((w) => fixed(w.maxMs)).join(", ")}`
      ).join("; ")
    }`,
    "",
    '"middle": the process between the sessions and the upstream (the relay, or the bare ' +
    'forwarder). "errors": error events, closes other than our 1000, socket errors. "never ' +
    'ready": sessions that did not get `session.created` (direct, forwarder) or ' +
    "`session.updated` (relay) within 5 s and were replaced by a new one.",
    `CPU is % of one core over the measured windows (utime + stime from /proc; this machine ` +
    `has ${navigator.hardwareConcurrency} cores). "Other programs": CPU used meanwhile by ` +
    "every other process (this machine is shared); it delays the relay's process like any " +
    "other, and the round trips cannot tell that apart from the relay's own cost.",
    '"Wake-up late": how late a thread of the load generator that sleeps 1 ms at a time woke ' +
    "while the phase streamed (the host's pauses plus the wait for a core, which every process " +
    "on a message's path meets).",
    noiseLine(noise.before, noise.after),
    "",
    verdict("p50", relayAdded.p50, TARGET_ADDED_P50_MS),
    verdict("p99", relayAdded.p99, TARGET_ADDED_P99_MS),
  ];
  lines.push(...problemLines());
  return lines.join("\n");
}

async function main(): Promise<void> {
  const options = readOptions();
  const suffixes = appendSuffixes(await speechFrames());
  progress("host noise: one busy thread per core for 2 s");
  const noiseBefore = await hostNoise();
  const probe = await WakeupProbe.start();
  const upstream = await startPeer("upstream");
  const upstreamUrl = `ws://127.0.0.1:${upstream.port}/v1/realtime`;
  const middle: Peer[] = [];
  try {
    const relay = await startPeer("server", [], {
      REALTIME_UPSTREAM: "openai",
      OPENAI_API_KEY: "sk-bench",
      REALTIME_URL: upstreamUrl,
      MAX_SESSIONS_PER_CLIENT: "1000",
      TICKET_RATE_PER_CLIENT: "off",
      KV_PATH: ":memory:",
      // Budgets on (measured with them), large enough for 100 sessions from one address.
      DAILY_MINUTES_PER_CLIENT: "100000",
      LOG_LEVEL: "silent",
      HOSTNAME: "127.0.0.1",
      PORT: "0",
    });
    middle.push(relay);
    const forwarder = await startPeer("forwarder", [`${upstreamUrl}?model=gpt-realtime`]);
    middle.push(forwarder);
    const n = options.sessions;
    const speechLength = suffixes.length;
    const phases = [
      await Phase.open("direct", null, n, () => `${upstreamUrl}?model=gpt-realtime`, speechLength),
      await Phase.open("forwarder", forwarder, n, () => relayUrl(forwarder.url), speechLength),
      await Phase.open("relay", relay, n, () => relayUrl(relay.url), speechLength),
    ];
    await sleep(500);
    if (options.warmup > 0) {
      progress(`warm-up: ${options.warmup} s per phase`);
      for (const phase of phases) {
        await phase.stream(options.warmup * FRAMES_PER_SECOND, suffixes, upstream, probe, true);
      }
    }
    for (let round = 0; round < options.rounds; round++) {
      // Each phase goes first, second and last in turn.
      const order = phases.map((_, i) => phases[(i + round) % phases.length]);
      progress(`round ${round + 1}/${options.rounds}: ${order.map((p) => p.name).join(", ")}`);
      for (const phase of order) {
        await phase.stream(options.seconds * FRAMES_PER_SECOND, suffixes, upstream, probe);
      }
    }
    const results: PhaseResult[] = [];
    for (const phase of phases) results.push(await phase.result());
    const [direct, forwarderResult, relayResult] = results;
    progress("host noise: one busy thread per core for 2 s");
    const noise = { before: noiseBefore, after: await hostNoise() };
    if (options.json) {
      print(JSON.stringify(
        {
          sessions: n,
          rounds: options.rounds,
          seconds: options.seconds,
          warmup: options.warmup,
          framesPerSecond: FRAMES_PER_SECOND,
          phases: results,
          addedMs: {
            relay: added(relayResult, direct),
            forwarder: added(forwarderResult, direct),
            relayP99PerRound: addedPerRound(relayResult, direct, "p99"),
          },
          targetsMs: { addedP50: TARGET_ADDED_P50_MS, addedP99: TARGET_ADDED_P99_MS },
          hostNoise: noise,
          errorSamples,
          handshakeFailures,
          closeSamples,
        },
        null,
        2,
      ));
    } else {
      print(report(options, results, noise));
    }
  } finally {
    for (const peer of middle) await peer.stop();
    await upstream.stop();
    await probe.stop();
  }
}

if (import.meta.main) await main();
