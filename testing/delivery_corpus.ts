/**
 * The delivery-accuracy corpus and how it is scored, shared by
 * `tests/delivery_accuracy_test.ts` (which asserts the targets) and
 * `bench/delivery_accuracy.ts` (which prints the figures for BENCHMARKS.md).
 *
 * - Recorded human speech: the WAV files in `tests/fixtures/delivery/` (see its
 *   PROVENANCE.md), each time-stretched with sox's pitch-preserving `tempo` at 0.75–1.3×.
 * - Synthesized speech: espeak-ng at 120, 160 and 220 words per minute.
 *
 * The variants are made with sox and espeak-ng into a directory the caller owns.
 *
 * @module
 */
import { readWav } from "@/lib/server/wav.ts";
import { analyzeDelivery, type Delivery } from "@/lib/shared/delivery.ts";
import { fixturePath } from "./fixtures.ts";
import { median } from "./stats.ts";

/** A recording and the syllables of its transcript, counted by hand (PROVENANCE.md). */
export interface Recording {
  file: string;
  transcript: string;
  syllables: number;
}

export const RECORDINGS: readonly Recording[] = [
  {
    file: "librivox_0870.wav",
    transcript:
      "and mister john dashwood had then leisure to consider how much there might be prudently in his power to do for them",
    syllables: 30,
  },
  { file: "librivox_0880.wav", transcript: "he was not an ill disposed young man", syllables: 9 },
  {
    file: "librivox_0890.wav",
    transcript: "unless to be rather cold hearted and rather selfish is to be ill disposed",
    syllables: 20,
  },
  {
    file: "librivox_0920.wav",
    transcript:
      "had he married a more a amiable woman he might have been made still more respectable than he was",
    syllables: 27,
  },
  {
    file: "librivox_0930.wav",
    transcript: "he might even have been made amiable himself",
    syllables: 13,
  },
  {
    file: "jfk.wav",
    transcript:
      "and so my fellow americans ask not what your country can do for you ask what you can do for your country",
    syllables: 28,
  },
  {
    file: "cards_005.wav",
    transcript: "eight of spades four of clubs seven of hearts",
    syllables: 10,
  },
  { file: "goforward.wav", transcript: "go forward ten meters", syllables: 6 },
];

/** Sentences for espeak-ng, chosen for words whose syllable count is not in doubt. */
export const SENTENCES: readonly { text: string; syllables: number }[] = [
  { text: "The quick brown fox jumps over the lazy dog.", syllables: 11 },
  {
    text: "Please call Stella and ask her to bring these things with her from the store.",
    syllables: 16,
  },
  { text: "We walked along the river until the sun went down behind the hills.", syllables: 17 },
  { text: "My teacher told me to practice speaking a little more slowly.", syllables: 16 },
  { text: "Tomorrow morning we will visit the museum and the market.", syllables: 17 },
];

/** sox `tempo` factors: 0.75 is slower (longer), 1.3 faster. */
export const TEMPOS: readonly number[] = [0.75, 0.9, 1, 1.15, 1.3];
/** espeak-ng rates in words per minute. */
export const ESPEAK_RATES: readonly number[] = [120, 160, 220];

/** One clip of a set, analysed. */
export interface Sample {
  /** Which recording or sentence. */
  source: string;
  /** Tempo factor (recordings) or words per minute (espeak-ng). */
  variant: number;
  /** Syllables of the text. */
  truth: number;
  seconds: number;
  delivery: Delivery;
}

/** Runs a command; throws with its stderr when it fails or is not installed. */
export async function run(command: string, args: string[]): Promise<void> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(command, { args, stdout: "null", stderr: "piped" }).output();
  } catch (error) {
    throw new Error(
      `Cannot run ${command}: ${
        error instanceof Error ? error.message : error
      }; install it (apt-get install sox espeak-ng)`,
      { cause: error },
    );
  }
  if (!output.success) {
    throw new Error(
      `Cannot run ${command} ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`,
    );
  }
}

/** A mono PCM16 WAV file as floats. */
export async function readMono(
  path: string | URL,
): Promise<{ samples: Float32Array; rate: number }> {
  const wav = readWav(await Deno.readFile(path));
  if (wav.channels !== 1) {
    throw new RangeError(`Cannot read ${path}: it has ${wav.channels} channels`);
  }
  const samples = new Float32Array(wav.samples.length);
  for (let i = 0; i < samples.length; i++) samples[i] = wav.samples[i] / 32768;
  return { samples, rate: wav.sampleRate };
}

/** Path of a recording of the corpus (in `tests/fixtures/delivery/`). */
export function fixture(file: string): string {
  return fixturePath(`delivery/${file}`);
}

async function analyze(path: string, source: string, variant: number, truth: number) {
  const { samples, rate } = await readMono(path);
  return {
    source,
    variant,
    truth,
    seconds: samples.length / rate,
    delivery: analyzeDelivery(samples, rate),
  };
}

/**
 * Every recording at every tempo, made in `dir`. `speech` selects sox's speech setting
 * (`tempo -s`: 20 ms segments, where the default's 82 ms are meant for music).
 */
export async function recordingSet(dir: string, speech = true): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const recording of RECORDINGS) {
    for (const tempo of TEMPOS) {
      const path = `${dir}/${recording.file.replace(".wav", "")}_${tempo}.wav`;
      await run("sox", [
        fixture(recording.file),
        "-D",
        path,
        "tempo",
        ...(speech ? ["-s"] : []),
        `${tempo}`,
      ]);
      out.push(await analyze(path, recording.file, tempo, recording.syllables));
    }
  }
  return out;
}

/** Every sentence at every espeak-ng rate, made in `dir` and converted to 24 kHz. */
export async function espeakSet(dir: string): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const [n, sentence] of SENTENCES.entries()) {
    for (const wpm of ESPEAK_RATES) {
      const raw = `${dir}/espeak_${n}_${wpm}_raw.wav`;
      const path = `${dir}/espeak_${n}_${wpm}.wav`;
      await run("espeak-ng", ["-s", `${wpm}`, "-w", raw, sentence.text]);
      await run("sox", [raw, "-D", "-r", "24000", "-b", "16", path]);
      out.push(await analyze(path, sentence.text, wpm, sentence.syllables));
    }
  }
  return out;
}

/** sox arguments that trim silence (below −46 dBFS) from both ends. */
const TRIM = ["silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "reverse"];

/**
 * Two recorded sentences, trimmed, with `seconds` of digital silence between them, made in
 * `dir`: the path of the WAV file.
 */
export async function pauseClip(dir: string, seconds: number): Promise<string> {
  const a = `${dir}/pause_a.wav`;
  const b = `${dir}/pause_b.wav`;
  const gap = `${dir}/pause_gap.wav`;
  const out = `${dir}/pause_${seconds}.wav`;
  await run("sox", [fixture("librivox_0880.wav"), "-D", a, ...TRIM]);
  await run("sox", [fixture("librivox_0930.wav"), "-D", b, ...TRIM]);
  await run("sox", ["-n", "-r", "24000", "-c", "1", "-b", "16", gap, "trim", "0", `${seconds}`]);
  await run("sox", [a, gap, b, "-D", out]);
  return out;
}

/** The pause between the two sentences of {@linkcode pauseDelivery}'s clip. */
export const PAUSE_SECONDS = 0.7;

/** What `analyzeDelivery()` makes of two recorded sentences with `seconds` of silence between. */
export async function pauseDelivery(dir: string, seconds = PAUSE_SECONDS): Promise<Delivery> {
  const { samples, rate } = await readMono(await pauseClip(dir, seconds));
  return analyzeDelivery(samples, rate);
}

/** How well a set's syllables were counted. */
export interface Score {
  clips: number;
  /** Median of |counted − truth| / truth. */
  medianRelativeError: number;
  /** Mean of |counted − truth|. */
  meanAbsoluteError: number;
  /**
   * Mean |estimate − truth| of the duration-only estimator: the set's median true rate
   * (truth / speechSeconds) × each clip's speechSeconds. It is given the true counts of the
   * whole set, so it is a generous baseline.
   */
  estimatorMeanAbsoluteError: number;
  /** Mean of (counted − truth): negative when syllables are missed. */
  bias: number;
}

export function score(samples: Sample[]): Score {
  const n = samples.length;
  const rate = median(samples.map((s) => s.truth / s.delivery.speechSeconds));
  let absolute = 0;
  let estimator = 0;
  let bias = 0;
  for (const { truth, delivery } of samples) {
    absolute += Math.abs(delivery.syllables - truth);
    estimator += Math.abs(rate * delivery.speechSeconds - truth);
    bias += delivery.syllables - truth;
  }
  return {
    clips: n,
    medianRelativeError: median(
      samples.map((s) => Math.abs(s.delivery.syllables - s.truth) / s.truth),
    ),
    meanAbsoluteError: absolute / n,
    estimatorMeanAbsoluteError: estimator / n,
    bias: bias / n,
  };
}

/** The worst relative spread of `pitchHz` across one source's variants, against its 1× clip. */
export function pitchSpread(samples: Sample[]): { source: string; spread: number }[] {
  const out: { source: string; spread: number }[] = [];
  for (const source of new Set(samples.map((s) => s.source))) {
    const own = samples.filter((s) => s.source === source);
    const reference = own.find((s) => s.variant === 1)?.delivery.pitchHz ?? NaN;
    let spread = 0;
    for (const s of own) {
      spread = Math.max(spread, Math.abs((s.delivery.pitchHz ?? 0) / reference - 1));
    }
    out.push({ source, spread });
  }
  return out;
}
