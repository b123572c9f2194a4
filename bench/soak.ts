/**
 * Soak test of the relay (`deno task soak`, not in CI): N sessions stream recorded speech
 * (speech_24k.wav, looped) in real time as 20 ms appends through `/api/relay` into the
 * embedded emulator (local mode, the server in a subprocess, `RECORD_DIR` set), for minutes.
 * Sessions are replaced every `--session-seconds` (staggered), so opening and closing is
 * soaked too.
 *
 * Every `--sample-seconds` the server's RSS and CPU time are read from `/proc/<pid>` and its
 * relayed frames (both ways) from `/metrics`. At the end it prints a table and checks:
 *
 * - memory is flat: the median RSS of the last window is within 10 % of the first window
 *   after the warm-up;
 * - CPU per relayed frame does not grow: the last window's is within 10 % of the first's;
 * - nothing is lost or refused: no error events, no unexpected closes, every append sent was
 *   forwarded upstream (`relay_frames_total`) and recorded (`.input.wav` sizes), and no
 *   session is left open.
 *
 * Exits 1 when a check fails.
 *
 *     deno task soak [--minutes 30] [--sessions 20] [--session-seconds 120]
 *                    [--sample-seconds 30] [--warmup-minutes 3] [--window-minutes 5]
 *
 * Short runs scale the defaults down: sessions live a quarter of the run (120 s at most), the
 * warm-up lasts a session's lifetime at least (the emulator keeps each conversation's audio,
 * so memory grows until the first sessions are replaced), and a dozen samples are taken.
 *
 * @module
 */
import { FRAME_BYTES } from "@/lib/shared/audio_format.ts";
import {
  appendSuffixes,
  type BenchSession,
  handshakeFailures,
  openSession,
  problemLines,
} from "./_client.ts";
import { cpuSeconds, machineBusySeconds, rssBytes } from "./_proc.ts";
import { fixed, intOption, print, progress, readFlags, table } from "./_report.ts";
import { inputRecordings, type Peer, recordedBytes, speechFrames, startPeer } from "./_tools.ts";
import { median } from "@/testing/stats.ts";
import { sleep } from "@/testing/wait.ts";
import { relayUrl } from "@/testing/ws_client.ts";

const FRAME_MS = 20;
/** Allowed drift between the first window after warm-up and the last. */
const TOLERANCE = 0.1;

interface Options {
  minutes: number;
  sessions: number;
  sessionSeconds: number;
  sampleSeconds: number;
  warmupMinutes: number;
  windowMinutes: number;
}

interface Sample {
  /** Seconds since streaming began, at the end of the interval. */
  at: number;
  rssMb: number;
  /** % of one core over the interval. */
  cpuPercent: number;
  framesPerSecond: number;
  /** CPU µs per relayed frame (both directions) over the interval. */
  cpuUsPerFrame: number;
  /** CPU used meanwhile by every other process (this soak's clients included), % of a core. */
  othersPercent: number;
  sessionsActive: number;
  errors: number;
}

function numberOption(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`Cannot read --${name}: ${JSON.stringify(text)} is not a number > 0`);
  }
  return value;
}

function readOptions(): Options {
  const values = readFlags({
    string: [
      "minutes",
      "sessions",
      "session-seconds",
      "sample-seconds",
      "warmup-minutes",
      "window-minutes",
    ],
  });
  const minutes = numberOption("minutes", values.minutes, 30);
  // Sessions live a quarter of a short run at most, so that they are replaced a few times.
  const sessionSeconds = intOption(
    "session-seconds",
    values["session-seconds"],
    Math.max(10, Math.min(120, Math.round((minutes * 60) / 4))),
  );
  // The emulator keeps each session's conversation (its audio included), so memory grows
  // until the first sessions are replaced: the warm-up lasts a session's lifetime at least.
  const warmupMinutes = numberOption(
    "warmup-minutes",
    values["warmup-minutes"],
    Math.max(sessionSeconds / 60, Math.min(3, minutes / 4)),
  );
  if (warmupMinutes >= minutes) {
    throw new RangeError(
      `Cannot soak: the warm-up (${warmupMinutes} min) must be shorter than the run (${minutes} min)`,
    );
  }
  return {
    minutes,
    sessions: intOption("sessions", values.sessions, 20),
    sessionSeconds,
    // At least a dozen samples in a short run.
    sampleSeconds: numberOption(
      "sample-seconds",
      values["sample-seconds"],
      Math.min(30, (minutes * 60) / 12),
    ),
    warmupMinutes,
    windowMinutes: numberOption(
      "window-minutes",
      values["window-minutes"],
      Math.min(5, (minutes - warmupMinutes) / 2),
    ),
  };
}

/** `name{labels} value` from Prometheus text, 0 when absent. */
function metric(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

async function serverMetrics(server: Peer) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return {
    up: metric(text, 'relay_frames_total{direction="browser_to_upstream"}'),
    down: metric(text, 'relay_frames_total{direction="upstream_to_browser"}'),
    active: metric(text, "relay_sessions_active"),
  };
}

/** Audio bytes of every `.input.wav` in `dir` (header size checked against the file). */
async function recordedInputBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await inputRecordings(dir)) total += await recordedBytes(`${dir}/${name}`);
  return total;
}

/** One session slot: streams on the shared clock, replaced when its time is up. */
interface Slot {
  index: number;
  generation: number;
  session: BenchSession | null;
  /** When its next append is due (performance.now() ms). */
  due: number;
  /** When this session is closed and replaced. */
  endsAt: number;
}

/** `m:ss` */
function clock(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

async function soak(options: Options): Promise<boolean> {
  const suffixes = appendSuffixes(await speechFrames());
  const dir = await Deno.makeTempDir({ prefix: "relay_soak_" });
  const server = await startPeer("server", [], {
    REALTIME_UPSTREAM: "local",
    RECORD_DIR: dir,
    MAX_SESSIONS_PER_CLIENT: String(options.sessions * 2 + 10),
    TICKET_RATE_PER_CLIENT: "off",
    KV_PATH: ":memory:",
    DAILY_MINUTES_PER_CLIENT: "off",
    LOG_LEVEL: "warn",
    HOSTNAME: "127.0.0.1",
    PORT: "0",
  });
  const closed: BenchSession[] = [];
  const slots: Slot[] = [];
  const samples: Sample[] = [];
  let stopping = false;
  let opened = 0;
  try {
    const open = async (slot: Slot) => {
      const tag = `s${slot.index}g${slot.generation++}`;
      const offset = Math.floor(Math.random() * suffixes.length);
      slot.session = await openSession(() => relayUrl(server.url), tag, offset, "session.updated");
      slot.session.plan(Math.ceil((options.minutes * 60_000) / FRAME_MS) + 100, 0, null);
      opened++;
      slot.due = performance.now();
    };
    const replace = async (slot: Slot, lifetimeMs: number) => {
      const old = slot.session;
      slot.session = null;
      if (old) {
        await old.close();
        closed.push(old);
      }
      if (stopping) return;
      await open(slot);
      slot.endsAt = performance.now() + lifetimeMs;
    };

    // Open every slot; the first lifetimes are staggered so replacements spread out.
    const start = performance.now();
    const lifetime = options.sessionSeconds * 1000;
    for (let i = 0; i < options.sessions; i++) {
      const slot: Slot = { index: i, generation: 0, session: null, due: 0, endsAt: 0 };
      slots.push(slot);
      await open(slot);
      slot.endsAt = start + (lifetime * (i + 1)) / options.sessions;
    }
    progress(`soak: ${options.sessions} sessions open; streaming ${options.minutes} min`);

    // One timer drives every slot on an absolute schedule (a late tick catches up).
    const replacing = new Set<Promise<void>>();
    const timer = setInterval(() => {
      const now = performance.now();
      for (const slot of slots) {
        const session = slot.session;
        if (!session) continue;
        if (now >= slot.endsAt && !stopping) {
          const p = replace(slot, lifetime).catch((error) => {
            progress(`soak: cannot replace session ${slot.index}: ${(error as Error).message}`);
          });
          replacing.add(p);
          p.finally(() => replacing.delete(p));
          continue;
        }
        while (slot.due <= now && session.closeCode === null) {
          session.sendNext(suffixes);
          slot.due += FRAME_MS;
        }
      }
    }, 2);

    // Sampling.
    const t0 = performance.now();
    let last = {
      wall: t0,
      cpu: cpuSeconds(server.pid),
      busy: machineBusySeconds(),
      ...(await serverMetrics(server)),
    };
    const end = t0 + options.minutes * 60_000;
    while (performance.now() < end - 1) {
      await sleep(Math.min(options.sampleSeconds * 1000, end - performance.now()));
      const wall = performance.now();
      const cpu = cpuSeconds(server.pid);
      const busy = machineBusySeconds();
      const m = await serverMetrics(server);
      const seconds = (wall - last.wall) / 1000;
      const frames = m.up + m.down - last.up - last.down;
      const errors = [...closed, ...slots.map((s) => s.session)]
        .reduce((n, s) => n + (s?.errors ?? 0), 0);
      const sample: Sample = {
        at: (wall - t0) / 1000,
        rssMb: rssBytes(server.pid) / 2 ** 20,
        cpuPercent: ((cpu - last.cpu) / seconds) * 100,
        framesPerSecond: frames / seconds,
        cpuUsPerFrame: frames > 0 ? ((cpu - last.cpu) / frames) * 1e6 : NaN,
        // The machine's counter is sampled per tick, the process's exactly: clamp the noise.
        othersPercent: Math.max(0, ((busy - last.busy - (cpu - last.cpu)) / seconds) * 100),
        sessionsActive: m.active,
        errors,
      };
      samples.push(sample);
      last = { wall, cpu, busy, ...m };
      progress(
        `soak: ${clock(sample.at)}  RSS ${fixed(sample.rssMb, 1)} MB  ` +
          `CPU ${fixed(sample.cpuPercent, 0)} %  ${fixed(sample.framesPerSecond, 0)} frames/s  ` +
          `${fixed(sample.cpuUsPerFrame, 1)} µs/frame  others ${
            fixed(sample.othersPercent, 0)
          } %  ` +
          `${sample.sessionsActive} sessions  ` +
          `${errors} errors`,
      );
    }

    stopping = true;
    clearInterval(timer);
    await Promise.all(replacing);
    for (const slot of slots) {
      if (slot.session) {
        await slot.session.close();
        closed.push(slot.session);
        slot.session = null;
      }
    }
    // Sessions finish (and their recordings) after the closes.
    let final = await serverMetrics(server);
    for (let i = 0; i < 100 && final.active > 0; i++) {
      await sleep(100);
      final = await serverMetrics(server);
    }
    const sent = closed.reduce((n, s) => n + s.sent, 0);
    const recorded = (await recordedInputBytes(dir)) / FRAME_BYTES;
    const errors = closed.reduce((n, s) => n + s.errors, 0);
    const badCloses = closed.filter((s) => s.badClose).length +
      closed.reduce((n, s) => n + s.socketErrors, 0);
    return report(options, samples, {
      opened,
      sent,
      forwarded: final.up,
      recorded,
      errors,
      badCloses,
      leftOpen: final.active,
    });
  } finally {
    stopping = true;
    for (const slot of slots) slot.session?.socket.terminate();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

interface Totals {
  opened: number;
  sent: number;
  forwarded: number;
  recorded: number;
  errors: number;
  badCloses: number;
  leftOpen: number;
}

function report(options: Options, samples: Sample[], totals: Totals): boolean {
  const warmup = options.warmupMinutes * 60;
  const window = options.windowMinutes * 60;
  const endAt = samples.at(-1)?.at ?? 0;
  const first = samples.filter((s) => s.at > warmup && s.at <= warmup + window + 1e-6);
  const lastWindow = samples.filter((s) => s.at > endAt - window - 1e-6);
  const rssFirst = median(first.map((s) => s.rssMb));
  const rssLast = median(lastWindow.map((s) => s.rssMb));
  const cpuFirst = median(first.map((s) => s.cpuUsPerFrame).filter(Number.isFinite));
  const cpuLast = median(lastWindow.map((s) => s.cpuUsPerFrame).filter(Number.isFinite));
  const rssGrowth = rssLast / rssFirst - 1;
  const cpuGrowth = cpuLast / cpuFirst - 1;
  const checks: [string, boolean][] = [
    [
      `memory flat: RSS ${fixed(rssFirst, 1)} MB → ${fixed(rssLast, 1)} MB ` +
      `(${fixed(rssGrowth * 100, 1)} %, limit +${TOLERANCE * 100} %)`,
      first.length > 0 && lastWindow.length > 0 && rssGrowth <= TOLERANCE,
    ],
    [
      `CPU per frame flat: ${fixed(cpuFirst, 1)} µs → ${fixed(cpuLast, 1)} µs ` +
      `(${fixed(cpuGrowth * 100, 1)} %, limit +${TOLERANCE * 100} %)`,
      Number.isFinite(cpuGrowth) && cpuGrowth <= TOLERANCE,
    ],
    [`no error events (${totals.errors})`, totals.errors === 0],
    [`no unexpected closes (${totals.badCloses})`, totals.badCloses === 0],
    [
      `every append forwarded: ${totals.forwarded} of ${totals.sent}`,
      totals.forwarded === totals.sent,
    ],
    [
      `every append recorded: ${totals.recorded} of ${totals.sent}`,
      totals.recorded === totals.sent,
    ],
    [`no session left open (${totals.leftOpen})`, totals.leftOpen === 0],
  ];
  const inWindow = (s: Sample) =>
    first.includes(s) ? "first" : lastWindow.includes(s) ? "last" : s.at <= warmup ? "warm-up" : "";
  const lines = [
    `Relay soak: ${options.minutes} min, ${options.sessions} sessions streaming speech in real ` +
    `time into the local emulator (replaced every ${options.sessionSeconds} s; ` +
    `${totals.opened} sessions in all, ${handshakeFailures.length} never ready and retried), ` +
    `RECORD_DIR set, ${navigator.hardwareConcurrency} cores. Warm-up ${
      fixed(options.warmupMinutes, 1)
    } min; windows of ${fixed(options.windowMinutes, 1)} min.`,
    "",
    table(
      [
        "time",
        "RSS MB",
        "CPU %",
        "frames/s",
        "CPU µs/frame",
        "others CPU %",
        "sessions",
        "errors",
        "window",
      ],
      samples.map((s) => [
        clock(s.at),
        fixed(s.rssMb, 1),
        fixed(s.cpuPercent, 0),
        fixed(s.framesPerSecond, 0),
        fixed(s.cpuUsPerFrame, 1),
        fixed(s.othersPercent, 0),
        String(s.sessionsActive),
        String(s.errors),
        inWindow(s),
      ]),
    ),
    "",
    "CPU: the server process's utime + stime (/proc), which in local mode includes the " +
    "emulator's VAD and replies; frames: relayed both ways (relay_frames_total); " +
    '"others": every other process meanwhile (the soak\'s clients included; the machine is ' +
    "shared). Checks compare medians of the first window after the warm-up and the last.",
    "",
    ...checks.map(([text, pass]) => `${pass ? "PASS" : "FAIL"} ${text}`),
  ];
  lines.push(...problemLines());
  print(lines.join("\n"));
  return checks.every(([, pass]) => pass);
}

if (import.meta.main) {
  const ok = await soak(readOptions());
  Deno.exit(ok ? 0 : 1);
}
