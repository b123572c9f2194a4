/**
 * The embedded emulator on its own loopback port, for tests that talk GA to it without the
 * relay in between, and the ways those tests feed it audio.
 *
 * @module
 */
import { type EmulatorOptions, handleRealtimeUpgrade } from "@/lib/server/emulator/upgrade.ts";
import { FRAME_BYTES } from "@/lib/shared/audio_format.ts";
import { openRealtime, type TestClient } from "./ws_client.ts";

/** A running emulator; `await using` shuts it down. */
export interface TestEmulator extends AsyncDisposable {
  /** `ws://127.0.0.1:<port>/v1/realtime` (no query: see `connectRealtime`). */
  url: string;
  /** The log lines the emulator wrote. */
  logs: { msg: string; fields?: Record<string, unknown> }[];
}

/** Serves the emulator with `options` on a free loopback port. */
export function startEmulator(options: EmulatorOptions = {}): TestEmulator {
  const logs: TestEmulator["logs"] = [];
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    (req) =>
      handleRealtimeUpgrade(req, { log: (msg, fields) => logs.push({ msg, fields }), ...options }),
  );
  return {
    url: `ws://127.0.0.1:${server.addr.port}/v1/realtime`,
    logs,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

/** Streams PCM16 `pcm` as 20 ms appends, with a round trip every `batch` frames and at the end. */
export async function streamAudio(client: TestClient, pcm: Uint8Array, batch = 10): Promise<void> {
  for (let offset = 0, n = 0; offset < pcm.length; offset += FRAME_BYTES, n++) {
    client.append(pcm.subarray(offset, offset + FRAME_BYTES));
    if (n % batch === batch - 1) await client.sync();
  }
  await client.sync();
}

/** Opens a GA session at `url` and switches turn detection off (commits are the client's). */
export async function openManual(url: string): Promise<TestClient> {
  const client = await openRealtime(url);
  client.send({
    type: "session.update",
    session: { type: "realtime", audio: { input: { turn_detection: null } } },
  });
  const updated = await client.next();
  if (updated.type !== "session.updated") {
    await client.close();
    throw new Error(`Cannot turn VAD off: got ${JSON.stringify(updated)}`);
  }
  return client;
}
