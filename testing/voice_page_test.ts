import { deepEqual, equal, ok } from "node:assert/strict";
import { encodeBase64 } from "@/lib/shared/base64.ts";
import { startTestServer } from "./server.ts";
import { base64AudioMs, VoicePage } from "./voice_page.ts";

Deno.test("base64AudioMs() reads the length of 24 kHz PCM16 in base64", () => {
  equal(base64AudioMs(encodeBase64(new Uint8Array(960))), 20);
});

Deno.test("VoicePage opens the page, reads the island's state and logs what the page sends", async () => {
  await using server = await startTestServer();
  await using voice = await VoicePage.open(server.url, { once: true });
  equal(await voice.state(), "off");
  await voice.start();
  await voice.page.waitForFunction(() =>
    (globalThis as unknown as { __voiceLog: { sent: unknown[] } }).__voiceLog.sent.length > 5
  );
  const sent = await voice.sentEvents();
  ok(sent.some((s) => s.event.type === "input_audio_buffer.append"));
  ok((await voice.receivedEvents()).some((r) => r.event.type === "session.updated"));
  ok((await voice.log()).states.length >= 2);
  deepEqual(voice.errors, []);
});
