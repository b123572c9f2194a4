import assert from "node:assert/strict";
import { SERVER_V8_FLAGS, startServerProcess, withServerV8Flags } from "./server_process.ts";

const ROOT = new URL("..", import.meta.url);

Deno.test("deno task start runs the server with the V8 flags the tests and benchmarks use", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const start: string = config.tasks.start;
  const flags = start.match(/--v8-flags=(\S+)/)?.[1];
  assert.ok(flags, `deno task start passes no --v8-flags: ${start}`);
  assert.deepEqual(flags.split(","), [...SERVER_V8_FLAGS]);
  // The flags belong to the server's `deno run`, not to the build step before it.
  assert.ok(start.indexOf("--v8-flags=") > start.lastIndexOf("&&"), start);
});

Deno.test("withServerV8Flags() merges other V8 flags into one --v8-flags (Deno keeps only the last)", () => {
  const own = `--v8-flags=${SERVER_V8_FLAGS.join(",")}`;
  assert.deepEqual(withServerV8Flags(), [own]);
  assert.deepEqual(
    withServerV8Flags(["--inspect=127.0.0.1:9239", "--v8-flags=--prof,--trace-gc"]),
    [`${own},--prof,--trace-gc`, "--inspect=127.0.0.1:9239"],
  );
  assert.deepEqual(
    withServerV8Flags(["--v8-flags=--prof", "--v8-flags=--trace-gc"]),
    [`${own},--prof,--trace-gc`],
  );
});

Deno.test("startServerProcess() runs main.ts as its own process, under a descriptor limit when asked", async () => {
  await using server = await startServerProcess({ LOG_LEVEL: "info" }, { openFiles: 300 });
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  const limits = await Deno.readTextFile(`/proc/${server.pid}/limits`);
  assert.match(limits, /^Max open files\s+300\s+300\s+files/m);
  assert.ok(server.alive());
  assert.ok(server.rssBytes() > 1024 * 1024);
  assert.ok(server.logs.some((line) => line.includes('"msg":"listening"')));
  server.kill("SIGTERM");
  assert.equal((await server.status).code, 0);
  assert.equal(server.alive(), false);
});
