/**
 * One 20 ms append message (480 float samples → PCM16 → base64 → JSON text), our way beside
 * the seed's way, in the same run: `deno task bench`.
 */
import { base64Seed, packPcm16Seed } from "./seed_packing.ts";
import { encodeBase64, encodeBase64Fallback } from "../lib/shared/base64.ts";
import { FRAME_SAMPLES } from "../lib/shared/audio_format.ts";
import { floatToPcm16 } from "../lib/shared/pcm16.ts";

const samples = new Float32Array(FRAME_SAMPLES);
for (let i = 0; i < samples.length; i++) {
  samples[i] = 0.8 * Math.sin(i * 0.07) + 0.1 * Math.random();
}
const bytes = floatToPcm16(samples);

/**
 * Each group: the seed's way first (the baseline), then ours. Each way returns the length of
 * what it made, summed into `sink` so that the work is not optimized away.
 */
const GROUPS: Record<string, [name: string, run: () => number][]> = {
  "append message (20 ms)": [
    ["seed: DataView pack + btoa + JSON.stringify", () => {
      const audio = base64Seed(packPcm16Seed(samples));
      return JSON.stringify({ type: "input_audio_buffer.append", audio }).length;
    }],
    ["ours: Int16Array pack + native base64 + template", () => {
      const audio = encodeBase64(floatToPcm16(samples));
      return `{"type":"input_audio_buffer.append","audio":"${audio}"}`.length;
    }],
  ],
  "pack 480 samples": [
    ["seed: DataView.setInt16", () => packPcm16Seed(samples).length],
    ["ours: Int16Array view", () => floatToPcm16(samples).length],
  ],
  "base64 960 bytes": [
    ["seed: btoa(String.fromCharCode(...))", () => base64Seed(bytes).length],
    ["ours: native toBase64", () => encodeBase64(bytes).length],
    ["ours: table fallback (browsers without toBase64)", () => encodeBase64Fallback(bytes).length],
  ],
};

let sink = 0;
for (const [group, ways] of Object.entries(GROUPS)) {
  ways.forEach(([name, run], i) => {
    Deno.bench({
      name,
      group,
      baseline: i === 0,
      fn() {
        sink += run();
      },
    });
  });
}

addEventListener("unload", () => {
  if (sink < 0) throw new Error("unreachable");
});
