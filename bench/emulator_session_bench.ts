/**
 * What one emulated session costs per 20 ms append: the whole state machine (parse, buffer,
 * VAD, turn events, responses) against parsing alone, over the 9.9 s speech fixture.
 */
import { FRAME_BYTES } from "@/lib/shared/audio_format.ts";
import { encodeBase64 } from "@/lib/shared/base64.ts";
import { parseClientEvent } from "@/lib/shared/realtime/mod.ts";
import { EmulatedSession } from "@/lib/server/emulator/session.ts";
import { VoiceActivityDetector } from "@/lib/server/emulator/vad.ts";
import { speechPcm } from "@/testing/fixtures.ts";

const pcm = await speechPcm();
const frames: string[] = [];
for (let offset = 0; offset < pcm.length; offset += FRAME_BYTES) {
  const audio = encodeBase64(pcm.subarray(offset, offset + FRAME_BYTES));
  frames.push(JSON.stringify({ type: "input_audio_buffer.append", audio }));
}

Deno.bench(`parseClientEvent() alone, ${frames.length} appends (baseline)`, {
  group: "appends",
  baseline: true,
}, () => {
  for (const frame of frames) parseClientEvent(frame);
});

Deno.bench(`EmulatedSession with server_vad, ${frames.length} appends`, {
  group: "appends",
}, async (b) => {
  const session = new EmulatedSession({ send() {}, close() {} }, {
    model: "gpt-realtime",
    speedup: 1e6,
    createVad: (options) => VoiceActivityDetector.create(options),
  });
  session.start();
  await new Promise((resolve) => setTimeout(resolve, 0));
  b.start();
  for (const frame of frames) session.receive(frame);
  b.end();
  session.dispose();
});
