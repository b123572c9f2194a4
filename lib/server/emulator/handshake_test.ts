import { deepEqual, equal } from "node:assert/strict";
import { checkHandshake, hasCredentials, offeredProtocols, selectProtocol } from "./handshake.ts";

const URL_OK = new URL("ws://x/v1/realtime?model=gpt-realtime");

Deno.test("offeredProtocols() splits with or without spaces", () => {
  deepEqual(
    offeredProtocols(
      new Headers({ "sec-websocket-protocol": "realtime, openai-insecure-api-key.k" }),
    ),
    [
      "realtime",
      "openai-insecure-api-key.k",
    ],
  );
  deepEqual(offeredProtocols(new Headers({ "sec-websocket-protocol": "a,b ,,c" })), [
    "a",
    "b",
    "c",
  ]);
  deepEqual(offeredProtocols(new Headers()), []);
});

Deno.test("selectProtocol() answers 'realtime' only, never the key entry", () => {
  equal(selectProtocol(["openai-insecure-api-key.sk", "realtime"]), "realtime");
  equal(selectProtocol(["openai-insecure-api-key.sk"]), undefined);
  equal(selectProtocol([]), undefined);
});

Deno.test("hasCredentials() accepts a non-empty bearer, basic or key subprotocol", () => {
  const table: [Record<string, string>, string[], boolean][] = [
    [{ authorization: "Bearer sk-1" }, [], true],
    [{ authorization: "bearer ek_1" }, [], true],
    [{ authorization: "Basic dXNlcjpwYXNz" }, [], true],
    [{ authorization: "Bearer " }, [], false],
    [{ authorization: "Token x" }, [], false],
    [{}, ["realtime", "openai-insecure-api-key.sk-1"], true],
    [{}, ["realtime", "openai-insecure-api-key."], false],
    [{}, [], false],
  ];
  for (const [headers, protocols, expected] of table) {
    equal(
      hasCredentials(new Headers(headers), protocols),
      expected,
      JSON.stringify([headers, protocols]),
    );
  }
});

Deno.test("checkHandshake() checks beta, then auth, then model", () => {
  const beta = checkHandshake(URL_OK, new Headers({ "openai-beta": "realtime=v1" }));
  equal(!beta.ok && beta.problem.code, "beta_api_shape_disabled");
  const noAuth = checkHandshake(new URL("ws://x/v1/realtime"), new Headers());
  equal(!noAuth.ok && noAuth.problem.closeCode, 3000);
  const noModel = checkHandshake(
    new URL("ws://x/v1/realtime?model="),
    new Headers({ authorization: "Bearer k" }),
  );
  equal(!noModel.ok && noModel.problem.code, "missing_model");
  const callId = checkHandshake(
    new URL("ws://x/v1/realtime?call_id=rtc_1"),
    new Headers({ authorization: "Bearer k" }),
  );
  equal(!callId.ok && callId.problem.param, "call_id");
  deepEqual(checkHandshake(URL_OK, new Headers({ authorization: "Bearer k" })), {
    ok: true,
    model: "gpt-realtime",
  });
});
