/**
 * The local coach's voice: the cost per turn of speaking a two-sentence reply with
 * `SpeechSynth` (eSpeak NG in its worker, resampled to 24 kHz), in ms and as a multiple of
 * the audio's duration, and what it costs the event loop.
 *
 * `deno task bench` runs it as a benchmark (one iteration = one reply, worker warm). Run it
 * directly for the report that BENCHMARKS.md quotes (worker start-up, per-turn median and
 * p95 over 20 replies, real-time multiple, longest event-loop stall):
 *
 *     deno run -A bench/coach_speech_bench.ts [--turns 20]
 *
 * @module
 */

import { deliveryFeedback } from "../lib/server/coach/feedback.ts";
import { SPEECH_SAMPLE_RATE, SpeechSynth } from "../lib/server/coach/speech.ts";

/** The reply the coach gives a comfortable turn with one pause: two sentences. */
const REPLY = deliveryFeedback({
  speechSeconds: 8,
  syllables: 30,
  syllablesPerSecond: 3.75,
  pauses: 2,
  longestPauseSeconds: 1.2,
  loudnessDbfs: -22,
  pitchHz: 140,
  pitchRangeSemitones: 7,
});

async function report(turns: number): Promise<void> {
  const synth = new SpeechSynth();
  try {
    const stall = new StallMeter();
    let t = performance.now();
    await synth.warm();
    const startMs = performance.now() - t;
    const startStall = stall.takeLongest();
    const times: number[] = [];
    let samples = 0;
    for (let i = 0; i < turns; i++) {
      t = performance.now();
      samples = (await synth.synthesize(REPLY)).length;
      times.push(performance.now() - t);
    }
    const turnStall = stall.takeLongest();
    stall.stop();
    times.sort((a, b) => a - b);
    const audioMs = samples / SPEECH_SAMPLE_RATE * 1000;
    const median = times[Math.floor(times.length / 2)];
    const p95 = times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)];
    const lines = [
      `reply: "${REPLY}"`,
      `audio: ${(audioMs / 1000).toFixed(2)} s at ${SPEECH_SAMPLE_RATE} Hz`,
      `worker start (engine + voice data): ${startMs.toFixed(0)} ms; longest event-loop ` +
      `stall meanwhile ${startStall.toFixed(1)} ms`,
      `per turn over ${turns} replies: median ${median.toFixed(1)} ms ` +
      `(${(median / audioMs).toFixed(3)}× the audio), p95 ${p95.toFixed(1)} ms ` +
      `(${(p95 / audioMs).toFixed(3)}×), min ${times[0].toFixed(1)} ms`,
      `longest event-loop stall during the replies: ${turnStall.toFixed(1)} ms`,
    ];
    // deno-lint-ignore no-console
    console.log(lines.join("\n"));
  } finally {
    synth.close();
  }
}

/** The main thread's longest stall, from a 1 ms interval's largest gap. */
class StallMeter {
  #last = performance.now();
  #longest = 0;
  #interval = setInterval(() => {
    const now = performance.now();
    this.#longest = Math.max(this.#longest, now - this.#last);
    this.#last = now;
  }, 1);

  takeLongest(): number {
    const longest = this.#longest;
    this.#longest = 0;
    return longest;
  }

  stop(): void {
    clearInterval(this.#interval);
  }
}

function turnsArg(args: string[]): number {
  const at = args.indexOf("--turns");
  if (at < 0) return 20;
  const turns = Number(args[at + 1]);
  if (!Number.isSafeInteger(turns) || turns < 1) {
    throw new RangeError(
      `Cannot run the benchmark: --turns ${args[at + 1]} is not a positive integer`,
    );
  }
  return turns;
}

if (import.meta.main) {
  await report(turnsArg(Deno.args));
} else {
  const synth = new SpeechSynth();
  await synth.warm();
  const audio = (await synth.synthesize(REPLY)).length / SPEECH_SAMPLE_RATE;
  addEventListener("unload", () => synth.close());
  Deno.bench({
    name: "SpeechSynth.synthesize() in its warm worker",
    group: `two-sentence reply, ${audio.toFixed(2)} s of audio`,
    async fn() {
      await synth.synthesize(REPLY);
    },
  });
}
