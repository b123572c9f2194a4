import { deepEqual, match, ok } from "node:assert/strict";
import { errorEvent } from "./error_event.ts";

const EVENT_ID = /^event_[0-9A-Za-z]{21}$/;

Deno.test("errorEvent() builds the GA envelope with defaults", () => {
  const error = errorEvent(
    "response_cancel_not_active",
    "Cancellation failed: no active response found",
  );
  match(error.event_id, EVENT_ID);
  deepEqual(error, {
    type: "error",
    event_id: error.event_id,
    error: {
      type: "invalid_request_error",
      code: "response_cancel_not_active",
      message: "Cancellation failed: no active response found",
      param: null,
      event_id: null,
    },
  });
  const server = errorEvent(null, "boom", { param: "x", eventId: "e", type: "server_error" });
  deepEqual(server.error, {
    type: "server_error",
    code: null,
    message: "boom",
    param: "x",
    event_id: "e",
  });
  ok(errorEvent(null, "a").event_id !== errorEvent(null, "a").event_id);
});
