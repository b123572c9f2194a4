/**
 * `deno task start` exactly as a user runs it: its narrow permissions (no -A, read only under
 * the project, writes only to the KV_PATH file), the embedded emulator's VAD loading under
 * them, and a full voice turn through the relay.
 */
import { equal, ok } from "node:assert/strict";
import { speechFrames } from "@/testing/fixtures.ts";
import { freePort } from "@/testing/server.ts";
import { denoEnv } from "@/testing/server_process.ts";
import { openRelay } from "@/testing/ws_client.ts";

const ROOT = new URL("..", import.meta.url).pathname;

Deno.test("deno task start serves the page and a full local voice turn with its narrow permissions", async () => {
  const port = freePort();
  // The shared store in a file: the task grants write access to it (and its SQLite siblings).
  const kvDir = await Deno.makeTempDir({ prefix: "start_task_kv_" });
  const kvPath = `${kvDir}/coach.kv`;
  const env = {
    ...denoEnv(),
    PORT: String(port),
    HOSTNAME: "127.0.0.1",
    NO_COLOR: "1",
    KV_PATH: kvPath,
  };
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "start"],
    cwd: ROOT,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output: string[] = [];
  const listening = Promise.withResolvers<void>();
  (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      output.push(chunk);
      if (output.join("").includes('"msg":"listening"')) listening.resolve();
    }
  })();
  child.stdout.cancel();
  const timer = setTimeout(
    () => listening.reject(new Error(`No "listening" within 60 s:\n${output.join("")}`)),
    60000,
  );
  try {
    await listening.promise;
    clearTimeout(timer);
    const base = `http://127.0.0.1:${port}`;
    const page = await fetch(base);
    equal(page.status, 200);
    ok((await page.text()).includes('data-island="VoiceSession"'));
    const health = await (await fetch(`${base}/healthz`)).json();
    equal(health.upstream, "local");

    const client = await openRelay(base);
    await client.next("session.updated");
    // The first 3 s: silence, the first utterance, and the pause that ends its turn.
    for (const frame of await speechFrames(3000 * 48)) {
      client.append(frame);
    }
    await client.next("input_audio_buffer.speech_started", 10000);
    await client.next("response.output_audio.delta", 10000);
    equal(client.received.filter((e) => e.type === "error").length, 0);
    await client.close();
    ok(!output.join("").includes("NotCapable"), output.join(""));
    ok((await Deno.stat(kvPath)).isFile, "the KV file was written");
  } finally {
    clearTimeout(timer);
    child.kill("SIGTERM");
    await child.status;
    await Deno.remove(kvDir, { recursive: true });
  }
});
