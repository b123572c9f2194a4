import { deepEqual, equal } from "node:assert/strict";
import {
  activeResponse,
  audioAlreadyShorter,
  betaApiShapeDisabled,
  cancelNotActive,
  commitEmpty,
  itemNotFound,
  missingAuthentication,
  missingModel,
  sessionExpiredReason,
} from "./errors.ts";

Deno.test("handshake problems carry the GA texts, close codes and reasons", () => {
  deepEqual(betaApiShapeDisabled(), {
    code: "beta_api_shape_disabled",
    message:
      "The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.",
    param: null,
    closeCode: 4000,
    closeReason: "invalid_request_error.beta_api_shape_disabled",
  });
  deepEqual(missingAuthentication(), {
    code: null,
    message: "Missing bearer or basic authentication in header",
    param: null,
    closeCode: 3000,
    closeReason: "invalid_request_error",
  });
  equal(missingModel().closeCode, 4000);
  equal(missingModel().closeReason, "invalid_request_error.missing_model");
});

Deno.test("commitEmpty() shows the buffered ms with two decimals", () => {
  equal(
    commitEmpty(50).message,
    "Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, " +
      "but buffer only has 50.00ms of audio.",
  );
  equal(commitEmpty(0).message.endsWith("buffer only has 0.00ms of audio."), true);
  equal(commitEmpty(99.979).message.endsWith("buffer only has 99.98ms of audio."), true);
  equal(commitEmpty(1).code, "input_audio_buffer_commit_empty");
});

Deno.test("response problems name the active response and match GA's texts", () => {
  equal(
    activeResponse("resp_ABC").message,
    "Conversation already has an active response in progress: resp_ABC. Wait until the " +
      "response is finished before creating a new one.",
  );
  equal(activeResponse("resp_ABC").code, "conversation_already_has_active_response");
  deepEqual(cancelNotActive(), {
    code: "response_cancel_not_active",
    message: "Cancellation failed: no active response found",
    param: null,
  });
});

Deno.test("audioAlreadyShorter() uses code null and whole ms", () => {
  deepEqual(audioAlreadyShorter(13600, 55960), {
    code: null,
    message: "Audio content of 13600ms is already shorter than 55960ms",
    param: null,
  });
  equal(
    audioAlreadyShorter(1849.98, 1850).message,
    "Audio content of 1849ms is already shorter than 1850ms",
  );
});

Deno.test("itemNotFound() uses the per-action codes clients match on", () => {
  deepEqual(itemNotFound("delete", "item_x"), {
    code: "item_delete_invalid_item_id",
    message: "Error deleting item: the item with id 'item_x' does not exist.",
    param: null,
  });
  equal(itemNotFound("truncate", "a").code, "item_truncate_invalid_item_id");
  equal(itemNotFound("retrieve", "a").code, "item_retrieve_invalid_item_id");
});

Deno.test("sessionExpiredReason() gives minutes, singular and plural, else seconds", () => {
  const table: [number, string][] = [
    [3600, "Your session hit the maximum duration of 60 minutes."],
    [60, "Your session hit the maximum duration of 1 minute."],
    [1, "Your session hit the maximum duration of 1 second."],
    [2.5, "Your session hit the maximum duration of 2.5 seconds."],
    [90, "Your session hit the maximum duration of 90 seconds."],
  ];
  for (const [seconds, reason] of table) equal(sessionExpiredReason(seconds), reason);
});
