import { deepEqual, equal } from "node:assert/strict";
import { createLogger, redact } from "./log.ts";

Deno.test("redact() masks API keys, ephemeral keys, bearer tokens and key parameters", () => {
  equal(redact("key sk-proj-abcdef123456 here"), "key sk-pr*** here");
  equal(redact("ek_68af0123456789abcdef"), "ek_***");
  equal(redact("Authorization: Bearer abc.def"), "Authorization: Bearer ***");
  equal(redact("wss://x/realtime?api-key=zzz&model=m"), "wss://x/realtime?api-key=***&model=m");
  equal(redact("openai-insecure-api-key.sk-123"), "openai-insecure-api-key.***");
});

Deno.test("createLogger() writes JSON lines with level, message and bound fields, above its level", () => {
  const lines: string[] = [];
  const log = createLogger("info", (l) => lines.push(l)).with({ session: "relay_1" });
  log.debug("hidden");
  log.info("opened", { upstream: "local" });
  log.error("leaked sk-abcdefghijkl");
  equal(lines.length, 2);
  const first = JSON.parse(lines[0]);
  deepEqual([first.level, first.msg, first.session, first.upstream], [
    "info",
    "opened",
    "relay_1",
    "local",
  ]);
  equal(JSON.parse(lines[1]).msg, "leaked sk-ab***");
});
