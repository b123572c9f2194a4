/**
 * The page keeps the conversation: across Stop and Start, and across the server process
 * killed and started again on the same store, the transcript keeps every turn with the new
 * ones below, the conversation id stays (the resume token worked), and the page says the coach
 * remembers. Headless Chromium with recorded speech as the microphone.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { startServerProcess } from "@/testing/server_process.ts";
import { startTestServer } from "@/testing/server.ts";
import { tempDir } from "@/testing/temp_dir.ts";
import { VoicePage } from "@/testing/voice_page.ts";

/** The transcript's item ids, top to bottom. */
function turnIds(voice: VoicePage): Promise<string[]> {
  return voice.page.locator("[data-item-id]").evaluateAll((els) =>
    els.map((el) => el.getAttribute("data-item-id")!)
  );
}

/**
 * Waits for an answered assistant turn (whole, or interrupted by the looping microphone) that
 * is not among `known`; returns its id.
 */
async function newAnswer(voice: VoicePage, known: string[], timeoutMs = 30000): Promise<string> {
  const handle = await voice.page.waitForFunction(
    (known) => {
      const done = [
        ...document.querySelectorAll(
          '[data-role="assistant"].turn-done, [data-role="assistant"].turn-truncated',
        ),
      ];
      const fresh = done.map((el) => el.getAttribute("data-item-id")!).filter((id) =>
        !known.includes(id)
      );
      return fresh[0] ?? false;
    },
    known,
    { timeout: timeoutMs },
  );
  return await handle.jsonValue() as string;
}

function conversationId(voice: VoicePage): Promise<string | null> {
  return voice.page.getByTestId("conversation-id").textContent();
}

/** Starts a session and waits until Diagnostics shows the relay's conversation id; returns it. */
async function startConversation(voice: VoicePage): Promise<string | null> {
  await voice.start();
  await voice.page.waitForFunction(
    () => /^conv_/.test(document.querySelector('[data-testid="conversation-id"]')!.textContent!),
  );
  return await conversationId(voice);
}

/** Starts a session and waits for its first answer; returns the relay's conversation id. */
async function firstAnswer(voice: VoicePage): Promise<string | null> {
  await voice.page.click('[data-testid="power"]');
  await newAnswer(voice, []);
  const conversation = await conversationId(voice);
  match(conversation ?? "", /^conv_/);
  return conversation;
}

/** Waits for a new answer, then checks it went below the turns `before`, which stay in order. */
async function answerBelow(voice: VoicePage, before: string[]): Promise<void> {
  const added = await newAnswer(voice, before);
  const after = await turnIds(voice);
  deepEqual(after.slice(0, before.length), before, "the old turns stay, in order, on top");
  ok(after.indexOf(added) >= before.length, "the new answer is below the old turns");
}

/** Waits until the page says the coach remembers, and checks it is still `conversation`. */
async function assertResumed(
  voice: VoicePage,
  conversation: string | null,
  message = "the conversation resumed",
): Promise<void> {
  await voice.waitForNotice("the coach remembers the conversation");
  equal(await conversationId(voice), conversation, message);
}

/** Every turn's text ends cleanly: brackets balanced; a cut turn carries its mark. */
async function cleanEnds(voice: VoicePage): Promise<void> {
  const turns = await voice.page.locator("[data-item-id]").evaluateAll((els) =>
    els.map((el) => ({
      text: el.querySelector(".text")?.textContent ?? "",
      status: [...el.classList].find((c) =>
        c.startsWith("turn-") && c !== "turn-user" &&
        c !== "turn-assistant"
      ),
      mark: el.querySelector('[data-testid="turn-mark"]')?.textContent ?? null,
    }))
  );
  for (const turn of turns) {
    const open = (turn.text.match(/\(/g) ?? []).length;
    equal(open, (turn.text.match(/\)/g) ?? []).length, `broken text: ${turn.text}`);
    if (turn.status === "turn-stopped") equal(turn.mark, "stopped");
    if (turn.status === "turn-truncated") equal(turn.mark, "interrupted");
    equal(turn.status === "turn-streaming", false, `a turn still streams: ${turn.text}`);
  }
}

Deno.test("page: after Stop and Start the new turns go below the old ones, and the conversation goes on", async () => {
  await using server = await startTestServer();
  await using voice = await VoicePage.open(server.url);
  const conversation = await firstAnswer(voice);
  await voice.page.click('[data-testid="power"]');
  await voice.waitForState("off");
  const before = await turnIds(voice);
  ok(before.length >= 2, `${before.length} turns before Stop`);
  await cleanEnds(voice);
  await voice.start();
  await assertResumed(voice, conversation, "Start after Stop resumed the conversation");
  await answerBelow(voice, before);

  const sessions = (await voice.receivedEvents()).filter((r) => r.event.type === "session.created");
  equal(sessions.length, 2);
  deepEqual(voice.errors, []);
});

Deno.test("page: the server killed mid-conversation and restarted on the same store: the transcript stays, the conversation resumes, the coach remembers", async () => {
  await using tmp = await tempDir();
  const env = {
    KV_PATH: `${tmp.path}/kv.sqlite`,
    RELAY_SECRET: "page-continuity-test-secret-0123456789abcdef",
  };
  const first = await startServerProcess(env);
  const port = first.port;
  await using voice = await VoicePage.open(first.url);
  const conversation = await firstAnswer(voice);
  first.kill("SIGKILL");
  await first.status;
  await voice.waitForState("reconnecting", 10000);
  const before = await turnIds(voice);
  await cleanEnds(voice);
  await using second = await startServerProcess({ ...env, PORT: String(port) });
  // Skip whatever wait the backoff reached meanwhile.
  if (await voice.page.getByTestId("retry-now").count() > 0) {
    await voice.page.getByTestId("retry-now").click().catch(() => {});
  }
  await voice.waitForRunning(20000);
  await assertResumed(voice, conversation, "the same conversation after the restart");
  await answerBelow(voice, before);
  ok(second.alive());
  deepEqual(voice.errors, []);
});

Deno.test("page: pagehide closes the session cleanly and pageshow resumes the conversation", async () => {
  await using server = await startTestServer();
  await using voice = await VoicePage.open(server.url);
  const conversation = await startConversation(voice);
  await voice.page.evaluate(() =>
    dispatchEvent(new PageTransitionEvent("pagehide", { persisted: true }))
  );
  await voice.waitForState("off");
  for (let i = 0; i < 100 && server.state.sessions.size > 0; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  equal(server.state.sessions.size, 0, "the relay session ended");
  ok(
    server.logs.some((l) => l.includes('"code":1000')),
    "the page closed its socket with 1000",
  );
  await voice.page.evaluate(() =>
    dispatchEvent(new PageTransitionEvent("pageshow", { persisted: true }))
  );
  await voice.waitForRunning();
  await assertResumed(voice, conversation);
  deepEqual(voice.errors, []);
});

Deno.test("page: a reload in the same tab keeps the conversation for the next Start", async () => {
  await using server = await startTestServer();
  await using voice = await VoicePage.open(server.url);
  const conversation = await startConversation(voice);
  await voice.page.reload();
  await voice.page.waitForSelector('[data-testid="power"]:not([disabled])');
  equal(await conversationId(voice), conversation, "remembered in the tab's sessionStorage");
  await voice.start();
  await assertResumed(voice, conversation);
  deepEqual(voice.errors, []);
});
