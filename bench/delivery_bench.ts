/**
 * The cost of `analyzeDelivery()` on an 11 s turn of recorded speech (24 kHz), beside a plain
 * RMS pass over the same samples, in the same run: `deno task bench`. Each iteration is one
 * turn, so cost as a share of real time = time per iteration / 11 s.
 *
 * Run: deno bench --allow-read bench/delivery_bench.ts
 *
 * @module
 */
import { analyzeDelivery } from "../lib/shared/delivery.ts";
import { readWav } from "../lib/server/wav.ts";
import { fixturePath } from "../testing/fixtures.ts";

const wav = readWav(await Deno.readFile(fixturePath("delivery/jfk.wav")));
const samples = Float32Array.from(wav.samples, (s) => s / 32768);
const group = `one ${(samples.length / wav.sampleRate).toFixed(1)} s turn`;
let sink = 0;

Deno.bench({
  name: "plain RMS pass",
  group,
  baseline: true,
  fn() {
    let sum = 0;
    for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
    sink += Math.sqrt(sum / samples.length);
  },
});

Deno.bench({
  name: "analyzeDelivery()",
  group,
  fn() {
    sink += analyzeDelivery(samples, wav.sampleRate).syllables;
  },
});

addEventListener("unload", () => {
  if (Number.isNaN(sink)) throw new Error("unreachable: keeps the results alive");
});
