import { deepEqual, equal } from "node:assert/strict";
import { createLogger } from "./log.ts";
import { Redactor } from "./redact.ts";

Deno.test("createLogger() writes JSON lines with level, message and bound fields, above its level", () => {
  const lines: string[] = [];
  const log = createLogger("info", { sink: (l) => lines.push(l) }).with({ session: "relay_1" });
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

Deno.test("createLogger() masks every configured secret, also inside JSON-escaped fields", () => {
  const lines: string[] = [];
  const azureKey = "0123456789abcdef0123456789abcdef";
  const odd = 'se"cr\\et-value';
  const log = createLogger("info", {
    sink: (l) => lines.push(l),
    redactor: new Redactor([azureKey, odd]),
  });
  log.warn("upstream said", { reason: `bad key ${azureKey}`, other: `x ${odd} y` });
  equal(lines.length, 1);
  equal(lines[0].includes(azureKey), false);
  equal(lines[0].includes("cr\\\\et"), false);
  const fields = JSON.parse(lines[0]);
  equal(fields.reason, "bad key [redacted]");
  equal(fields.other, "x [redacted] y");
});
