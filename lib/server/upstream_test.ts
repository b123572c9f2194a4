import { deepEqual, equal } from "node:assert/strict";
import { loadConfig } from "./config.ts";
import { upstreamTarget } from "./upstream.ts";

Deno.test("upstreamTarget() builds the OpenAI GA URL and Bearer header, and honours REALTIME_URL", () => {
  const openai = upstreamTarget(
    loadConfig({ OPENAI_API_KEY: "sk-a", REALTIME_MODEL: "gpt-realtime-mini" }),
    "",
    "",
  );
  equal(openai.url, "wss://api.openai.com/v1/realtime?model=gpt-realtime-mini");
  deepEqual(openai.headers, { Authorization: "Bearer sk-a" });
  const custom = upstreamTarget(
    loadConfig({ OPENAI_API_KEY: "sk-a", REALTIME_URL: "https://gw.example/v1/realtime?model=x" }),
    "",
    "",
  );
  equal(custom.url, "wss://gw.example/v1/realtime?model=x");
});

Deno.test("upstreamTarget() builds the Azure GA URL with the deployment as model and no api-version", () => {
  const target = upstreamTarget(
    loadConfig({
      AZURE_OPENAI_ENDPOINT: "https://res.openai.azure.com/",
      AZURE_OPENAI_API_KEY: "az",
      AZURE_OPENAI_DEPLOYMENT: "rt",
    }),
    "",
    "",
  );
  equal(target.url, "wss://res.openai.azure.com/openai/v1/realtime?model=rt");
  deepEqual(target.headers, { "api-key": "az" });
});

Deno.test("upstreamTarget() points local mode at this server's emulator", () => {
  const target = upstreamTarget(loadConfig({}), "http://127.0.0.1:4321", "local-key");
  equal(target.url, "ws://127.0.0.1:4321/v1/realtime?model=gpt-realtime");
  deepEqual(target.headers, { Authorization: "Bearer local-key" });
});
