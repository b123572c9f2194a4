/**
 * Resampler benchmarks: ours against the seed's linear interpolation, speexdsp quality 5
 * (wasm) and libsamplerate SINC_BEST_QUALITY (wasm). Each iteration streams 1 s of audio in
 * 128-sample blocks (one AudioWorklet render quantum), so ns per input sample = time per
 * iteration / input rate. speexdsp (SIMD build) is the baseline of each group.
 *
 * Run: deno bench --allow-read --allow-env bench/resampler_bench.ts
 *
 * @module
 */

import SpeexSimd from "@echogarden/speex-resampler-wasm/simd";
import SpeexPlain from "@echogarden/speex-resampler-wasm";
import LibSampleRate from "@alexanderolsen/libsamplerate-js";
import { resampleLinear } from "./seed_linear.ts";
import { Resampler } from "../lib/shared/resampler.ts";

/** One AudioWorklet render quantum. */
const RENDER_QUANTUM = 128;
const SPEEX_QUALITY = 5;

/** The subset of the Emscripten module that `SpeexStream` uses. */
interface SpeexModule {
  HEAPF32: Float32Array;
  HEAPU32: Uint32Array;
  _malloc(bytes: number): number;
  _speex_resampler_init(
    channels: number,
    inRate: number,
    outRate: number,
    quality: number,
    errorPtr: number,
  ): number;
  _speex_resampler_process_float(
    state: number,
    channel: number,
    inPtr: number,
    inLenPtr: number,
    outPtr: number,
    outLenPtr: number,
  ): number;
}

/**
 * A streaming speexdsp resampler driven as an app would: copy the block into wasm memory,
 * process, copy the output back into a JS `Float32Array`.
 */
class SpeexStream {
  #module: SpeexModule;
  #state: number;
  #inPtr: number;
  #outPtr: number;
  #inLenPtr: number;
  #outLenPtr: number;
  #capacity: number;

  constructor(module: SpeexModule, inRate: number, outRate: number, capacity: number) {
    this.#module = module;
    const errorPtr = module._malloc(4);
    this.#state = module._speex_resampler_init(1, inRate, outRate, SPEEX_QUALITY, errorPtr);
    if (this.#state === 0 || module.HEAPU32[errorPtr >> 2] !== 0) {
      throw new Error(`Cannot create speex resampler: error ${module.HEAPU32[errorPtr >> 2]}`);
    }
    this.#capacity = capacity;
    this.#inPtr = module._malloc(capacity * 4);
    this.#outPtr = module._malloc(capacity * 4);
    this.#inLenPtr = module._malloc(4);
    this.#outLenPtr = module._malloc(4);
  }

  processInto(input: Float32Array, output: Float32Array): number {
    const m = this.#module;
    m.HEAPF32.set(input, this.#inPtr >> 2);
    m.HEAPU32[this.#inLenPtr >> 2] = input.length;
    m.HEAPU32[this.#outLenPtr >> 2] = this.#capacity;
    m._speex_resampler_process_float(
      this.#state,
      0,
      this.#inPtr,
      this.#inLenPtr,
      this.#outPtr,
      this.#outLenPtr,
    );
    const count = m.HEAPU32[this.#outLenPtr >> 2];
    const heap = m.HEAPF32;
    const base = this.#outPtr >> 2;
    for (let i = 0; i < count; i++) output[i] = heap[base + i];
    return count;
  }
}

/** 1 s of a speech-like test signal: a few tones plus low-level noise. */
function testSignal(rate: number): Float32Array {
  const x = new Float32Array(rate);
  let seed = 12345;
  for (let n = 0; n < rate; n++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const noise = (seed / 2 ** 32 - 0.5) * 0.02;
    const t = n / rate;
    x[n] = 0.3 * Math.sin(2 * Math.PI * 220 * t) + 0.2 * Math.sin(2 * Math.PI * 1870 * t) +
      0.1 * Math.sin(2 * Math.PI * 5300 * t) + noise;
  }
  return x;
}

/** The signal cut into render quanta (views made once, outside the timed loop). */
function blocksOf(signal: Float32Array): Float32Array[] {
  const blocks: Float32Array[] = [];
  for (let i = 0; i < signal.length; i += RENDER_QUANTUM) {
    blocks.push(signal.subarray(i, Math.min(i + RENDER_QUANTUM, signal.length)));
  }
  return blocks;
}

const speexSimd = await SpeexSimd() as SpeexModule;
const speexPlain = await SpeexPlain() as SpeexModule;

const PAIRS: [number, number][] = [[48000, 24000], [44100, 24000], [24000, 48000]];

for (const [inRate, outRate] of PAIRS) {
  const group = `${inRate / 1000}k→${outRate / 1000}k`;
  const blocks = blocksOf(testSignal(inRate));
  const out = new Float32Array(RENDER_QUANTUM * 4);

  const ours = new Resampler(inRate, outRate);
  Deno.bench(`ours process() ${group}`, { group, baseline: false }, () => {
    for (const block of blocks) ours.process(block);
  });

  const oursInto = new Resampler(inRate, outRate);
  Deno.bench(`ours processInto() ${group}`, { group }, () => {
    for (const block of blocks) oursInto.processInto(block, out);
  });

  Deno.bench(`seed linear ${group}`, { group }, () => {
    for (const block of blocks) resampleLinear(block, inRate, outRate);
  });

  const simd = new SpeexStream(speexSimd, inRate, outRate, out.length);
  Deno.bench(`speexdsp q5 wasm simd ${group}`, { group, baseline: true }, () => {
    for (const block of blocks) simd.processInto(block, out);
  });

  const plain = new SpeexStream(speexPlain, inRate, outRate, out.length);
  Deno.bench(`speexdsp q5 wasm ${group}`, { group }, () => {
    for (const block of blocks) plain.processInto(block, out);
  });

  const src = await LibSampleRate.create(1, inRate, outRate, {
    converterType: LibSampleRate.ConverterType.SRC_SINC_BEST_QUALITY,
  });
  const frames = { frames: 0 };
  Deno.bench(`libsamplerate SINC_BEST ${group}`, { group }, () => {
    for (const block of blocks) src.full(block, out, frames);
  });
}
