import { equal, ok } from "node:assert/strict";
import { parseClientEvent } from "@/lib/shared/realtime/mod.ts";
import { checkClientEvent } from "@/lib/server/relay_policy.ts";
import { REFUSED_TYPES, RESPONSE_FIELDS, SESSION_FIELDS } from "./policy_cases.ts";

/** Every case as the event a browser would send. */
function cases(): [string, Record<string, unknown>][] {
  return [
    ...Object.entries(RESPONSE_FIELDS).map(([field, value]): [string, Record<string, unknown>] => [
      `response.${field}`,
      { type: "response.create", response: { [field]: value } },
    ]),
    ...Object.entries(SESSION_FIELDS).map(([field, value]): [string, Record<string, unknown>] => [
      `session.${field}`,
      { type: "session.update", session: { type: "realtime", [field]: value } },
    ]),
    ...Object.entries(REFUSED_TYPES).map(([type, fields]): [string, Record<string, unknown>] => [
      type,
      { type, ...fields },
    ]),
  ];
}

Deno.test("every policy case is GA-valid, so that a refusal of it is the relay's own", () => {
  for (const [name, event] of cases()) {
    const parsed = parseClientEvent(JSON.stringify(event));
    ok(parsed.ok, `${name}: ${parsed.ok ? "" : parsed.error.error.message}`);
  }
});

Deno.test("the relay's policy refuses every case", () => {
  const all = cases();
  ok(all.length >= 20, `${all.length} cases`);
  for (const [name, event] of all) {
    const parsed = parseClientEvent(JSON.stringify(event));
    if (!parsed.ok) throw new Error(`${name} does not parse`);
    const refusal = checkClientEvent(parsed.event);
    ok(refusal !== null, `${name} passes the policy`);
    equal(typeof refusal?.param, "string", name);
  }
});
