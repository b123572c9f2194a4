/**
 * What the load tool reports of rollover (`deno task load -- --rollover`), read from the
 * server's `/metrics` before and after a run: switches by reason, the switch time from the
 * `relay_rollover_seconds` histogram, and the fate of every browser → upstream message
 * (`relay_rollover_frames_total`).
 *
 * The histogram keeps buckets, not values: its quantiles are estimated as Prometheus's
 * `histogram_quantile()` does (linear within the bucket), and its maximum is known only as the
 * upper bound of the highest bucket that holds a value.
 *
 * @module
 */
import { fixed, table } from "./_report.ts";

/** The rollover series of one `/metrics` text. */
export interface RolloverMetrics {
  /** `relay_rollovers_total` by reason. */
  rollovers: { planned: number; expired: number; dropped: number };
  /** `relay_rollover_frames_total` by fate. */
  frames: { sent: number; held: number; released: number; dropped: number };
  /** `relay_rollover_seconds` cumulative bucket counts, by upper bound (seconds, +Inf last). */
  buckets: [number, number][];
}

/** A series' value in Prometheus text; 0 when absent. */
function value(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Reads the rollover series of a `/metrics` text. */
export function readRolloverMetrics(text: string): RolloverMetrics {
  const reason = (r: string) => value(text, `relay_rollovers_total{reason="${r}"}`);
  const fate = (f: string) => value(text, `relay_rollover_frames_total{fate="${f}"}`);
  const buckets: [number, number][] = [];
  for (const match of text.matchAll(/^relay_rollover_seconds_bucket\{le="([^"]+)"\} (\S+)$/gm)) {
    buckets.push([match[1] === "+Inf" ? Infinity : Number(match[1]), Number(match[2])]);
  }
  return {
    rollovers: {
      planned: reason("planned"),
      expired: reason("expired"),
      dropped: reason("dropped"),
    },
    frames: {
      sent: fate("sent"),
      held: fate("held"),
      released: fate("released"),
      dropped: fate("dropped"),
    },
    buckets,
  };
}

/** What happened between two readings (`after` − `before`). */
export function rolloverDelta(before: RolloverMetrics, after: RolloverMetrics): RolloverMetrics {
  const minus = <T extends Record<string, number>>(a: T, b: T): T =>
    Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - b[k]])) as T;
  return {
    rollovers: minus(after.rollovers, before.rollovers),
    frames: minus(after.frames, before.frames),
    buckets: after.buckets.map(([le, n], i) => [le, n - (before.buckets[i]?.[1] ?? 0)]),
  };
}

/**
 * The `q` quantile (0–1) of a histogram's cumulative buckets, in seconds, linear within its
 * bucket; NaN when it is empty. A quantile in the +Inf bucket is the last finite bound.
 */
export function histogramQuantile(buckets: readonly [number, number][], q: number): number {
  if (q < 0 || q > 1) throw new RangeError(`Cannot take quantile ${q}: it must be within 0–1`);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of buckets) {
    if (count >= rank && count > below) {
      if (le === Infinity) return lower;
      return lower + (le - lower) * (rank - below) / (count - below);
    }
    lower = le === Infinity ? lower : le;
    below = count;
  }
  return lower;
}

/** The upper bound of the highest bucket holding a value (seconds; NaN when empty). */
export function histogramMaxBound(buckets: readonly [number, number][]): number {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return NaN;
  const first = buckets.find(([, count]) => count === total)!;
  return first[0];
}

/** What `--rollover` adds to a point, from `/metrics` over the run. */
export interface RolloverReport {
  rollovers: RolloverMetrics["rollovers"];
  frames: RolloverMetrics["frames"];
  /** Switch time, ms: p50 and p95 estimated from the histogram, the max as its bucket's bound. */
  switchMs: { p50: number; p95: number; maxAtMost: number };
  /** Messages handed to upstream sessions (sent + released) but each session's own update. */
  forwardedAppends: number;
}

export function rolloverReport(rolled: RolloverMetrics, sessions: number): RolloverReport {
  const ms = (seconds: number) => seconds * 1000;
  return {
    rollovers: rolled.rollovers,
    frames: rolled.frames,
    switchMs: {
      p50: ms(histogramQuantile(rolled.buckets, 0.5)),
      p95: ms(histogramQuantile(rolled.buckets, 0.95)),
      maxAtMost: ms(histogramMaxBound(rolled.buckets)),
    },
    forwardedAppends: rolled.frames.sent + rolled.frames.released - sessions,
  };
}

/** A load point as the rollover table reads it. */
export interface RolloverPoint {
  mode: string;
  sessions: number;
  framesSent: number;
  framesLost: number;
  rollover: RolloverReport | null;
}

/** The rollover table, when the points have one (sessions swapped about every `everySeconds`). */
export function rolloverLines(results: readonly RolloverPoint[], everySeconds: number): string[] {
  const rows = results.flatMap((r) => {
    const o = r.rollover;
    if (o === null) return [];
    const { planned, expired, dropped } = o.rollovers;
    return [[
      r.mode,
      String(r.sessions),
      `${planned + expired + dropped} (${planned} / ${expired} / ${dropped})`,
      `${fixed(o.switchMs.p50, 0)} / ${fixed(o.switchMs.p95, 0)} / ≤ ${
        fixed(o.switchMs.maxAtMost, 0)
      }`,
      String(o.frames.held),
      String(o.frames.released),
      String(o.frames.dropped),
      String(r.framesSent),
      String(o.forwardedAppends),
      String(r.framesSent - r.framesLost),
    ]];
  });
  if (rows.length === 0) return [];
  return [
    "",
    `Rollover: each upstream session swapped about every ${everySeconds} s`,
    "",
    table(
      [
        "upstream",
        "sessions",
        "rollovers (planned / expired / dropped)",
        "switch ms p50 / p95 / max",
        "frames held",
        "released",
        "dropped",
        "appends sent by clients",
        "appends forwarded (relay /metrics)",
        "appends arrived (upstream count)",
      ],
      rows,
    ),
    "",
    "Switch: from the start of the switch (or the drop) to the new session taking frames; " +
    "p50 and p95 are estimated from the relay_rollover_seconds histogram's buckets, the max " +
    "is the bound of its highest bucket in use. Forwarded: sent + released in " +
    "relay_rollover_frames_total, less each session's own session.update. Arrived: as in the " +
    "loss check above.",
  ];
}
