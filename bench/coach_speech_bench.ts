/**
 * The local coach's voice: the cost per turn of speaking a two-sentence reply with
 * `SpeechSynth` (eSpeak NG in its worker, resampled to 24 kHz), in ms and as a multiple of
 * the audio's duration, and what it costs the event loop.
 *
 * `deno task bench` runs it as a benchmark (one iteration = one reply, worker warm). Run it
 * directly for the report that BENCHMARKS.md quotes (worker start-up, per-turn median and
 * p95 over 20 replies, real-time multiple, longest event-loop stall), and the whole of a
 * local-coach turn as the emulator does it: measuring a recorded 5.3 s utterance on the main
 * thread (`coachWords`), then speaking its feedback in the worker:
 *
 *     deno run -A bench/coach_speech_bench.ts [--turns 20]
 *
 * @module
 */

import { deliveryFeedback } from "../lib/server/coach/feedback.ts";
import { coachWords } from "../lib/server/coach/local_coach.ts";
import { SPEECH_SAMPLE_RATE, SpeechSynth } from "../lib/server/coach/speech.ts";
import { floatToPcm16 } from "../lib/shared/pcm16.ts";
import { fixture, readMono } from "../testing/delivery_corpus.ts";

/** The recorded turn the whole-turn figures use (LibriVox, one VAD turn). */
const TURN_FIXTURE = "librivox_0890.wav";

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
      ...await wholeTurn(synth, turns, stall),
    ];
    stall.stop();
    // deno-lint-ignore no-console
    console.log(lines.join("\n"));
  } finally {
    synth.close();
  }
}

/**
 * A local-coach turn as the emulator answers it: `coachWords` (which measures the recorded
 * utterance, on the main thread, so its time is a stall) and the synthesis of its words.
 */
async function wholeTurn(synth: SpeechSynth, turns: number, stall: StallMeter): Promise<string[]> {
  const { samples } = await readMono(fixture(TURN_FIXTURE));
  const pcm = floatToPcm16(samples);
  const turnMs = samples.length / SPEECH_SAMPLE_RATE * 1000;
  const measure: number[] = [];
  const speak: number[] = [];
  let words = "";
  let audioMs = 0;
  stall.takeLongest();
  for (let i = 0; i < turns; i++) {
    let t = performance.now();
    words = coachWords("delivery", { type: "audio", pcm })!;
    measure.push(performance.now() - t);
    t = performance.now();
    audioMs = (await synth.synthesize(words)).length / SPEECH_SAMPLE_RATE * 1000;
    speak.push(performance.now() - t);
  }
  const longest = stall.takeLongest();
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1];
  const analysis = median(measure);
  const synthesis = median(speak);
  return [
    `whole turn (${TURN_FIXTURE}, ${(turnMs / 1000).toFixed(1)} s): "${words}"`,
    `  measure on the main thread: median ${analysis.toFixed(2)} ms ` +
    `(${(analysis / turnMs * 100).toFixed(3)} % of the turn)`,
    `  speak ${(audioMs / 1000).toFixed(2)} s of feedback in the worker: median ` +
    `${synthesis.toFixed(1)} ms (${(synthesis / audioMs).toFixed(3)}× the audio)`,
    `  end of turn to audio ready: median ${(analysis + synthesis).toFixed(1)} ms; longest ` +
    `event-loop stall ${longest.toFixed(1)} ms`,
  ];
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
