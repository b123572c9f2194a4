import { deepEqual, throws } from "node:assert/strict";
import { CLIENT_EVENT_TYPES, errorEvent, parseClientEvent } from "@/lib/shared/realtime/mod.ts";
import { assertErrorEnvelope, rejected, VALID_CLIENT_EVENTS } from "./ga_client_events.ts";

Deno.test("VALID_CLIENT_EVENTS holds a valid event of every client type", () => {
  const types = new Set<string>();
  for (const event of VALID_CLIENT_EVENTS) {
    const parsed = parseClientEvent(JSON.stringify(event));
    if (!parsed.ok) throw new Error(`${JSON.stringify(event)}: ${parsed.error.error.message}`);
    types.add(parsed.event.type);
  }
  deepEqual([...types].sort(), [...CLIENT_EVENT_TYPES].sort());
});

Deno.test("assertErrorEnvelope() takes the GA envelope and nothing else; rejected() takes refusals", () => {
  assertErrorEnvelope(errorEvent("invalid_value", "Bad.", { param: "type", eventId: "e1" }));
  const extra = { ...errorEvent(null, "Bad."), error: { ...errorEvent(null, "Bad.").error, x: 1 } };
  throws(() => assertErrorEnvelope(extra));
  throws(() => assertErrorEnvelope({ ...errorEvent(null, "Bad."), event_id: "evt" }));
  throws(
    () => rejected(parseClientEvent('{"type":"input_audio_buffer.clear"}')),
    /Expected a rejection/,
  );
  deepEqual(rejected(parseClientEvent("{")).error.code, "invalid_json");
});
