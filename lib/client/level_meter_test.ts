import { equal, ok, throws } from "node:assert/strict";
import { LevelMeter } from "./level_meter.ts";

function sine(amplitude: number, count: number, rate = 48_000, hz = 1000): Float32Array {
  return Float32Array.from(
    { length: count },
    (_, i) => amplitude * Math.sin(2 * Math.PI * hz * i / rate),
  );
}

Deno.test("LevelMeter reports at most 30 times per second of audio", () => {
  const meter = new LevelMeter(48_000, 30);
  equal(meter.windowSamples, 1600);
  const block = new Float32Array(128);
  let reports = 0;
  for (let i = 0; i < 375; i++) if (meter.add(block)) reports++; // one second of quanta
  ok(reports <= 30 && reports >= 25, `${reports} reports`);
});

Deno.test("LevelMeter measures the RMS and peak of the last window", () => {
  const meter = new LevelMeter(48_000, 30);
  const tone = sine(0.5, 48_000);
  let done = false;
  for (let i = 0; i + 128 <= tone.length && !done; i += 128) {
    done = meter.add(tone.subarray(i, i + 128));
  }
  ok(done);
  ok(Math.abs(meter.rms - 0.5 / Math.SQRT2) < 1e-3, `rms ${meter.rms}`);
  ok(Math.abs(meter.peak - 0.5) < 1e-3, `peak ${meter.peak}`);
  // The next window is silent: the figures follow it.
  const silence = new Float32Array(128);
  while (!meter.add(silence));
  equal(meter.rms, 0);
  equal(meter.peak, 0);
});

Deno.test("LevelMeter counts negative peaks and only the samples given", () => {
  const meter = new LevelMeter(100, 100);
  equal(meter.add(Float32Array.of(-0.8, 0.9), 1), true);
  ok(Math.abs(meter.peak - 0.8) < 1e-6);
  ok(Math.abs(meter.rms - 0.8) < 1e-6);
});

Deno.test("LevelMeter rejects rates that are not positive", () => {
  throws(() => new LevelMeter(0, 30), RangeError);
  throws(() => new LevelMeter(48_000, 0), RangeError);
});
