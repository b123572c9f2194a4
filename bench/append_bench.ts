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
let sink = 0;

Deno.bench({
  name: "seed: DataView pack + btoa + JSON.stringify",
  group: "append message (20 ms)",
  baseline: true,
  fn() {
    const audio = base64Seed(packPcm16Seed(samples));
    sink += JSON.stringify({ type: "input_audio_buffer.append", audio }).length;
  },
});
Deno.bench({
  name: "ours: Int16Array pack + native base64 + template",
  group: "append message (20 ms)",
  fn() {
    const audio = encodeBase64(floatToPcm16(samples));
    sink += `{"type":"input_audio_buffer.append","audio":"${audio}"}`.length;
  },
});

Deno.bench({
  name: "seed: DataView.setInt16",
  group: "pack 480 samples",
  baseline: true,
  fn() {
    sink += packPcm16Seed(samples).length;
  },
});
Deno.bench({
  name: "ours: Int16Array view",
  group: "pack 480 samples",
  fn() {
    sink += floatToPcm16(samples).length;
  },
});

Deno.bench({
  name: "seed: btoa(String.fromCharCode(...))",
  group: "base64 960 bytes",
  baseline: true,
  fn() {
    sink += base64Seed(bytes).length;
  },
});
Deno.bench({
  name: "ours: native toBase64",
  group: "base64 960 bytes",
  fn() {
    sink += encodeBase64(bytes).length;
  },
});
Deno.bench({
  name: "ours: table fallback (browsers without toBase64)",
  group: "base64 960 bytes",
  fn() {
    sink += encodeBase64Fallback(bytes).length;
  },
});

addEventListener("unload", () => {
  if (sink < 0) throw new Error("unreachable");
});
