/**
 * `main.ts` started the way Deno Deploy starts it: the entry point alone, no V8 flags, no write
 * permission (Deploy runs the build step, so `_fresh/` is there and nothing is built at start),
 * `DENO_DEPLOYMENT_ID` set, and KV from `Deno.openKv()` with no path (`KV_PATH` unset).
 *
 * Deploy hands the listening address to the runtime in `DENO_SERVE_ADDRESS`, which rebinds the
 * first `Deno.serve` whatever port it asked for: the second and third tests give it that way,
 * as a TCP address and as a unix socket (binding a socket file needs write access to it, which
 * Deploy's `--allow-all` has).
 *
 * `DENO_KV_DB_MODE=memory` keeps `Deno.openKv()`'s store in memory: its default file is keyed
 * by the entry point, so every `main.ts` on this machine (`deno task start`, the other
 * subprocess tests, a developer's server) shares it, and a killed run's session leases and the
 * day's spent minutes would carry over into the next run.
 */
import { equal, match, ok } from "node:assert/strict";
import { speechFrames } from "@/testing/fixtures.ts";
import { freePort } from "@/testing/server.ts";
import { denoEnv } from "@/testing/server_process.ts";
import { TestClient } from "@/testing/ws_client.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** `deno run` as Deploy runs the entry point: its permissions, and no `--v8-flags`. */
const DEPLOY_FLAGS = ["--allow-net", "--allow-env", "--allow-read", "--unstable-kv"];

/** What every run gets: a deployment id, `Deno.openKv()` in memory, info logs. */
const DEPLOY_ENV = {
  DENO_DEPLOYMENT_ID: "test-deployment",
  DENO_KV_DB_MODE: "memory",
  LOG_LEVEL: "info",
};

interface MainProcess extends AsyncDisposable {
  /** The server's stderr so far. */
  output(): string;
}

/** Starts `deno run <flags> main.ts` with only `env` (and what Deno needs); waits until it listens. */
async function startMain(env: Record<string, string>, flags = DEPLOY_FLAGS): Promise<MainProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, "main.ts"],
    cwd: ROOT,
    clearEnv: true,
    env: { ...denoEnv(), NO_COLOR: "1", ...DEPLOY_ENV, ...env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const chunks: string[] = [];
  const output = () => chunks.join("");
  const listening = Promise.withResolvers<void>();
  const reading = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      chunks.push(chunk);
      if (output().includes('"msg":"listening"')) listening.resolve();
    }
    listening.reject(new Error(`Cannot start main.ts: it exited first\n${output()}`));
  })();
  const timer = setTimeout(
    () => listening.reject(new Error(`Cannot start main.ts: no "listening" in 60 s\n${output()}`)),
    60_000,
  );
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await reading;
  };
  try {
    await listening.promise;
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return { output, [Symbol.asyncDispose]: stop };
}

/** The built client bundle's URL, as `deno task build` wrote it into `_fresh/manifest.json`. */
async function builtClientScript(): Promise<string> {
  const manifest = JSON.parse(await Deno.readTextFile(`${ROOT}_fresh/manifest.json`));
  return manifest["client.js"];
}

Deno.test("main.ts as Deno Deploy runs it serves the built page and a voice session end to end", async () => {
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  // ALLOWED_ORIGINS names only another site, so the page's own origin gets its tickets only
  // by the deployment's rule (the request's own origin), not as a loopback default.
  await using main = await startMain({
    PORT: String(port),
    HOSTNAME: "127.0.0.1",
    ALLOWED_ORIGINS: "https://coach.example",
  });

  const page = await fetch(base);
  equal(page.status, 200);
  const html = await page.text();
  ok(html.includes('data-island="VoiceSession"'), "the page has the voice island");
  const script = await builtClientScript();
  ok(html.includes(`src="${script}"`), `the page loads the built ${script}`);
  const bundle = await fetch(base + script);
  equal(bundle.status, 200);
  match(bundle.headers.get("content-type") ?? "", /javascript/);
  ok((await bundle.text()).length > 1000, "the client bundle has content");

  const refused = await fetch(`${base}/api/session`, {
    method: "POST",
    headers: { origin: "https://evil.example" },
  });
  equal(refused.status, 403, "another site's origin is refused");
  await refused.body?.cancel();

  const ticket = await fetch(`${base}/api/session`, {
    method: "POST",
    headers: { origin: base },
  });
  equal(ticket.status, 200, "the deployment's own origin gets a ticket");
  const { relay } = await ticket.json();
  await using client = await TestClient.connect(`ws://127.0.0.1:${port}${relay}`, {
    headers: { origin: base },
  });
  await client.next("session.created", 10_000);
  await client.next("session.updated", 10_000);
  // The first 3 s of the speech fixture: silence, an utterance, and the pause that ends its turn.
  for (const frame of await speechFrames(3000 * 48)) client.append(frame);
  await client.next("input_audio_buffer.speech_started", 10_000);
  const done = await client.next("response.done", 30_000);
  equal(done.response.status, "completed");
  ok((client.counts.get("response.output_audio.delta") ?? 0) > 0, "the coach answered with audio");
  equal(client.received.filter((e) => e.type === "error").length, 0);
  await client.close();

  const health = await (await fetch(`${base}/healthz`)).json();
  equal(health.status, "ok");
  ok(!main.output().includes("NotCapable"), main.output());
});

Deno.test("main.ts listens on the TCP address Deploy gives in DENO_SERVE_ADDRESS, not on PORT", async () => {
  const assigned = freePort();
  const asked = freePort();
  await using main = await startMain({
    DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${assigned}`,
    PORT: String(asked),
  });
  const page = await fetch(`http://127.0.0.1:${assigned}/`);
  equal(page.status, 200);
  ok((await page.text()).includes('data-island="VoiceSession"'));
  const elsewhere = await fetch(`http://127.0.0.1:${asked}/`).then(
    (res) => res.body?.cancel().then(() => "answered"),
    () => "refused",
  );
  equal(elsewhere, "refused", "nothing listens on PORT");
  ok(!main.output().includes("NotCapable"), main.output());
});

Deno.test("main.ts starts and serves when Deploy's address is a unix socket", async () => {
  const dir = await Deno.makeTempDir({ prefix: "deploy_test_" });
  const path = `${dir}/serve.sock`;
  const http = Deno.createHttpClient({ proxy: { transport: "unix", path } });
  try {
    await using main = await startMain(
      { DENO_SERVE_ADDRESS: `unix:${path}` },
      [...DEPLOY_FLAGS, `--allow-write=${path}`],
    );
    const listening = main.output().split("\n").find((l) => l.includes('"msg":"listening"'))!;
    ok(!listening.includes("undefined"), listening);
    const page = await fetch("http://coach.example/", { client: http });
    equal(page.status, 200);
    ok((await page.text()).includes('data-island="VoiceSession"'));
    // No Origin: a non-browser client, which the ticket alone authenticates.
    const ticket = await fetch("http://coach.example/api/session", {
      method: "POST",
      client: http,
    });
    equal(ticket.status, 200);
    match((await ticket.json()).relay, /^\/api\/relay\?ticket=/);
  } finally {
    http.close();
    await Deno.remove(dir, { recursive: true });
  }
});
