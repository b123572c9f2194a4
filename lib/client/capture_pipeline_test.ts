import { deepEqual, equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { FRAME_BYTES, FRAME_MS } from "../shared/audio_format.ts";
import { floatToPcm16 } from "../shared/pcm16.ts";
import { Resampler } from "../shared/resampler.ts";
import { CapturePipeline } from "./capture_pipeline.ts";

function tone(rate: number, seconds: number, hz = 440, amplitude = 0.5): Float32Array {
  return Float32Array.from(
    { length: Math.round(rate * seconds) },
    (_, i) => amplitude * Math.sin(2 * Math.PI * hz * i / rate),
  );
}

interface Captured {
  frames: Uint8Array[];
  times: number[];
}

/** Feeds `input` in blocks of `sizes` (cycled) of `channels(block)`, as a worklet would. */
function run(
  rate: number,
  input: Float32Array,
  sizes: number[] = [128],
  channels: (block: Float32Array) => Float32Array[] = (block) => [block],
): Captured {
  const pipeline = new CapturePipeline(rate);
  const captured: Captured = { frames: [], times: [] };
  const sink = (frame: Uint8Array, time: number) => {
    captured.frames.push(frame);
    captured.times.push(time);
  };
  let offset = 0;
  for (let b = 0; offset < input.length; b++) {
    const size = Math.min(sizes[b % sizes.length], input.length - offset);
    const block = input.slice(offset, offset + size);
    const before = captured.frames.length;
    const made = pipeline.process(channels(block), 10 + offset / rate, sink);
    equal(made, captured.frames.length - before);
    offset += size;
  }
  equal(pipeline.frames, captured.frames.length);
  return captured;
}

function concat(frames: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(frames.length * FRAME_BYTES);
  frames.forEach((frame, i) => out.set(frame, i * FRAME_BYTES));
  return out;
}

/** The whole input resampled and packed in one go: what the frames must add up to. */
function reference(rate: number, input: Float32Array, frames: number): Uint8Array {
  return floatToPcm16(new Resampler(rate, 24_000).process(input)).subarray(0, frames * FRAME_BYTES);
}

Deno.test("CapturePipeline turns one second at 48 kHz into 50 frames of 960 bytes", () => {
  const { frames } = run(48_000, tone(48_000, 1));
  equal(frames.length, 50);
  for (const frame of frames) {
    equal(frame.length, FRAME_BYTES);
    equal(frame.byteLength, frame.buffer.byteLength, "each frame owns its buffer");
  }
  equal(new Set(frames.map((f) => f.buffer)).size, 50);
});

for (const rate of [48_000, 44_100, 16_000, 24_000, 96_000]) {
  Deno.test(`CapturePipeline frames at ${rate} Hz lose and repeat no sample`, () => {
    const input = tone(rate, 0.75, 1000, 0.9);
    const { frames } = run(rate, input);
    const expected = reference(rate, input, frames.length);
    equal(frames.length, Math.floor(expected.length / FRAME_BYTES));
    ok(frames.length >= 36, `${frames.length} frames`);
    deepEqual(concat(frames), expected);
  });
}

Deno.test("CapturePipeline output does not depend on block sizes", () => {
  const input = tone(44_100, 0.3, 3000, 0.7);
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }),
      (sizes) => {
        const { frames } = run(44_100, input, sizes);
        deepEqual(concat(frames), reference(44_100, input, frames.length));
      },
    ),
    { numRuns: 40 },
  );
});

Deno.test("CapturePipeline mixes any channel count to mono by averaging", () => {
  const input = tone(48_000, 0.2);
  const mono = run(48_000, input).frames;
  const stereo = run(48_000, input, [128], (b) => [b, b]).frames;
  deepEqual(concat(stereo), concat(mono));
  const cancelled = run(48_000, input, [128], (b) => [b, b.map((v) => -v)]).frames;
  ok(concat(cancelled).every((byte) => byte === 0), "opposite channels cancel out");
  const quad =
    run(48_000, input, [128], (b) => [b, b, new Float32Array(b.length), new Float32Array(b.length)])
      .frames;
  deepEqual(concat(quad), concat(run(48_000, input.map((v) => v / 2)).frames));
});

Deno.test("CapturePipeline dates each frame's last sample, 20 ms apart", () => {
  for (const rate of [48_000, 44_100]) {
    const pipeline = new CapturePipeline(rate);
    const { times } = run(rate, tone(rate, 0.5));
    const delay = pipeline.delayMs / 1000;
    times.forEach((time, k) => {
      // Input starts at context time 10 s; frame k ends with 24 kHz sample 480(k+1) − 1.
      const expected = 10 + (480 * (k + 1) - 1) / 24_000 - delay;
      ok(Math.abs(time - expected) < 0.1 / 1000, `${rate} Hz frame ${k}: ${time} vs ${expected}`);
      if (k > 0) ok(Math.abs(time - times[k - 1] - FRAME_MS / 1000) < 0.1 / 1000);
    });
  }
});

Deno.test("CapturePipeline ignores a block without channels", () => {
  const pipeline = new CapturePipeline(48_000);
  let calls = 0;
  equal(pipeline.process([], 0, () => calls++), 0);
  equal(pipeline.process([new Float32Array(0)], 0, () => calls++), 0);
  equal(calls, 0);
  equal(pipeline.pendingSamples, 0);
});

Deno.test("CapturePipeline exposes the mono block for metering", () => {
  const pipeline = new CapturePipeline(48_000);
  pipeline.process([Float32Array.of(1, 0.5), Float32Array.of(0, 0.5)], 0, () => {});
  deepEqual([...pipeline.lastMono], [0.5, 0.5]);
});
