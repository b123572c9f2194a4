import { equal, ok } from "node:assert/strict";
import { parseClientEvent } from "@/lib/shared/realtime/mod.ts";
import { checkClientEvent } from "@/lib/server/relay_policy.ts";
import {
  REFUSED_ITEMS,
  REFUSED_TYPES,
  RESPONSE_FIELDS,
  SESSION_FIELDS,
  typedItem,
} from "./policy_cases.ts";

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
    ...Object.entries(REFUSED_ITEMS).map((
      [name, { fields }],
    ): [string, Record<string, unknown>] => [
      `conversation.item.create: ${name}`,
      { type: "conversation.item.create", ...fields },
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

Deno.test("each refused item names its field, and a typed message itself passes", () => {
  for (const [name, { fields, param }] of Object.entries(REFUSED_ITEMS)) {
    const parsed = parseClientEvent(
      JSON.stringify({ type: "conversation.item.create", ...fields }),
    );
    if (!parsed.ok) throw new Error(`${name} does not parse`);
    equal(checkClientEvent(parsed.event)?.param, param, name);
  }
  const typed = parseClientEvent(
    JSON.stringify({ type: "conversation.item.create", item: typedItem("Hello coach") }),
  );
  ok(typed.ok);
  equal(checkClientEvent(typed.event), null);
});
