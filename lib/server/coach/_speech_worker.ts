/**
 * The speech worker: eSpeak NG (WebAssembly, npm `@echogarden/espeak-ng-emscripten`) runs
 * here, off the server's event loop. It loads the engine once, then answers each
 * `SynthesizeRequest` with 24 kHz mono PCM16, resampled from eSpeak's rate (22.05 kHz) with
 * the shared `Resampler`. One request at a time: `SpeechSynth` (speech.ts) queues.
 *
 * The voice data (`espeak-ng.data`, 24 MB, every language) is read from the npm cache when
 * the process may read it (tests, `-A`), or else imported as bytes, which needs no read
 * permission but needs `--unstable-raw-imports` (or `"unstable": ["raw-imports"]`).
 *
 * @module
 */

import createESpeak from "@echogarden/espeak-ng-emscripten";
import { WIRE_SAMPLE_RATE } from "@/lib/shared/audio_format.ts";
import { floatToPcm16Into } from "@/lib/shared/pcm16.ts";
import { Resampler } from "@/lib/shared/resampler.ts";
import type { WorkerReply, WorkerRequest } from "./speech.ts";

/** The part of the Emscripten module's `eSpeakNGWorker` this worker uses. */
interface ESpeakEngine {
  get_samplerate(): number;
  set_voice(name: string): number;
  set_rate(wpm: number): number;
  set_pitch(pitch: number): number;
  synthesize(
    text: string,
    callback: (samples: Int16Array, events: unknown[]) => boolean,
  ): void;
}

interface ESpeakModule {
  eSpeakNGWorker: new () => ESpeakEngine;
}

type ESpeakFactory = (moduleArg: Record<string, unknown>) => Promise<ESpeakModule>;

/** Spoken (and discarded) once at start-up. */
const WARM_UP = "About 150 words a minute — a comfortable pace; your longest pause was 1.2 " +
  "seconds. Try letting your pitch rise and fall more.";
/** Samples converted per resampler call. */
const CHUNK = 4096;

const scope = self as unknown as {
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
};

const engine = await start().catch((error: unknown) => {
  scope.postMessage({ type: "failed", message: errorMessage(error) });
  return null;
});

if (engine !== null) {
  const inputRate = engine.get_samplerate();
  // One throw-away reply warms the engine and the resampler (V8 tiers hot WebAssembly up in
  // the background): the first real reply then took 130–320 ms instead of 370–570 ms on a
  // busy 2-core machine; later ones take 20–40 ms.
  synthesize(engine, inputRate, { id: 0, text: WARM_UP, voice: "en-us", rate: 160, pitch: 50 });
  scope.onmessage = (event) => {
    const request = event.data;
    try {
      const pcm = synthesize(engine, inputRate, request);
      scope.postMessage({ type: "audio", id: request.id, pcm }, [pcm.buffer]);
    } catch (error) {
      scope.postMessage({
        type: "error",
        id: request.id,
        message: errorMessage(error),
        range: error instanceof RangeError,
      });
    }
  };
  scope.postMessage({ type: "ready", sampleRate: inputRate });
}

async function start(): Promise<ESpeakEngine> {
  const preloaded = await importData();
  let readError: unknown = null;
  const moduleArg: Record<string, unknown> = {
    // Emscripten's file packager asks for the data file here before reading it itself.
    getPreloadedPackage(path: string): ArrayBuffer | null {
      if (preloaded !== null) return preloaded;
      try {
        const bytes = Deno.readFileSync(path);
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      } catch (error) {
        readError = error;
        const why = error instanceof Deno.errors.NotCapable
          ? "no read access to"
          : `${errorMessage(error)}, reading`;
        throw new Error(
          `Cannot load eSpeak NG's voice data: ${why} ${path}; allow reading it ` +
            `(--allow-read) or run with --unstable-raw-imports`,
          { cause: error },
        );
      }
    },
    print() {},
    printErr() {},
  };
  const module = await (createESpeak as unknown as ESpeakFactory)(moduleArg);
  if (readError !== null) throw readError;
  return new module.eSpeakNGWorker();
}

/** The voice data as bytes through the module loader, or null without raw imports. */
async function importData(): Promise<ArrayBuffer | null> {
  try {
    const module = await import("@echogarden/espeak-ng-emscripten/espeak-ng.data", {
      with: { type: "bytes" },
    });
    const bytes = module.default as Uint8Array<ArrayBuffer>;
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  } catch {
    return null;
  }
}

function synthesize(engine: ESpeakEngine, inputRate: number, request: WorkerRequest): Int16Array {
  const status = engine.set_voice(request.voice);
  if (status !== 0) {
    throw new RangeError(
      `Cannot synthesize speech: eSpeak NG has no voice "${request.voice}"; use a voice such ` +
        `as "en-us" or "en-gb"`,
    );
  }
  engine.set_rate(request.rate);
  engine.set_pitch(request.pitch);
  const chunks: Int16Array[] = [];
  let length = 0;
  engine.synthesize(request.text, (samples) => {
    if (samples.length > 0) {
      chunks.push(samples);
      length += samples.length;
    }
    return false; // keep going
  });
  return resample(chunks, length, inputRate);
}

/** eSpeak's PCM16 chunks → one 24 kHz PCM16 buffer, the filter's tail included. */
function resample(chunks: Int16Array[], length: number, inputRate: number): Int16Array {
  const resampler = new Resampler(inputRate, WIRE_SAMPLE_RATE);
  // Zeros after the speech flush the filter's delay (plus one sample for rounding).
  const tail = Math.ceil(resampler.delaySamples * inputRate / WIRE_SAMPLE_RATE) + 1;
  const out = new Int16Array(resampler.maxOutputLength(length + tail));
  const input = new Float32Array(CHUNK);
  const output = new Float32Array(resampler.maxOutputLength(CHUNK));
  let written = 0;
  const push = (block: Float32Array) => {
    const count = resampler.processInto(block, output);
    floatToPcm16Into(output.subarray(0, count), out.subarray(written, written + count));
    written += count;
  };
  for (const chunk of chunks) {
    for (let start = 0; start < chunk.length; start += CHUNK) {
      const size = Math.min(CHUNK, chunk.length - start);
      for (let i = 0; i < size; i++) input[i] = chunk[start + i] / 32768;
      push(input.subarray(0, size));
    }
  }
  input.fill(0);
  push(input.subarray(0, tail));
  return out.slice(0, written);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
