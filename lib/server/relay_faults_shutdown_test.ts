/**
 * The production entry point (`main.ts`, its own process) on SIGTERM with a relay session
 * open: the session is closed with a reason, new ones are refused, the recording is
 * finished and the process exits 0.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { concat } from "@/testing/bytes.ts";
import { speechFrames } from "@/testing/fixtures.ts";
import { readRecording } from "@/testing/recordings.ts";
import { startServerProcess } from "@/testing/server_process.ts";
import { tempDir } from "@/testing/temp_dir.ts";
import { sleep } from "@/testing/wait.ts";
import { openRelay, tryOpenRelay } from "@/testing/ws_client.ts";

Deno.test("relay faults: SIGTERM closes sessions with 1001 and a reason, refuses new ones, finishes the recording and exits 0", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await using server = await startServerProcess({ REALTIME_UPSTREAM: "local", RECORD_DIR: dir });
  const frames = await speechFrames();
  const client = await openRelay(server.url);
  await client.next("session.updated", 15_000);

  // 150 frames (3 s of speech) as JSON appends and binary frames, then a round trip: the
  // relay has taken all of them.
  const sent: Uint8Array[] = [];
  for (let i = 0; i < 150; i++) {
    const frame = frames[i % frames.length];
    if (i % 3 === 2) client.send(frame);
    else client.append(frame);
    sent.push(frame);
    if (i % 10 === 9) await sleep(1);
  }
  await client.sync(15_000);

  // The browser is quiet when the signal comes: Deno 2.9.6 tears a server socket down as soon
  // as a data frame arrives after close(), and the close frame may then never go out (the
  // browser sees 1006; README.md, Status and known gaps).
  server.kill("SIGTERM");
  deepEqual(await client.closed, {
    code: 1001,
    reason: "Server is shutting down; reconnect in a moment",
  });

  // New sessions are refused: 503 while shutting down, then nobody listens.
  const late = await tryOpenRelay(server.url);
  match(late, /^(HTTP 503|refused)/);

  const status = await server.status;
  equal(status.code, 0);
  equal(status.success, true);
  deepEqual(server.logs.filter((l) => l.includes('"level":"error"')), []);
  ok(server.logs.some((l) => l.includes('"msg":"shutting down"') && l.includes("SIGTERM")));

  // The recording is finished: exactly the appends sent, header fixed.
  deepEqual((await readRecording(dir)).input, concat(sent));
});
