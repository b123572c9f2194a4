import { equal, match, throws } from "node:assert/strict";
import { ConfigError, describeConfig, loadConfig } from "./config.ts";

Deno.test("loadConfig() defaults to the local emulator with the contract's defaults", () => {
  const config = loadConfig({});
  equal(config.upstream, "local");
  equal(config.port, 8000);
  equal(config.model, "gpt-realtime");
  equal(config.coachVoice, "marin");
  equal(config.realtimeUrl, null);
  equal(config.recordDir, null);
  equal(config.relaySecretGenerated, true);
  equal(config.relaySecret.length, 64);
  equal(config.ticketTtlSeconds <= 60, true);
  equal(Object.isFrozen(config), true);
});

Deno.test("loadConfig() picks openai or azure when their credentials are set", () => {
  equal(loadConfig({ OPENAI_API_KEY: "sk-x" }).upstream, "openai");
  const azure = {
    AZURE_OPENAI_ENDPOINT: "https://r.openai.azure.com",
    AZURE_OPENAI_API_KEY: "k",
    AZURE_OPENAI_DEPLOYMENT: "d",
  };
  equal(loadConfig(azure).upstream, "azure");
  equal(
    loadConfig({ ...azure, OPENAI_API_KEY: "sk-x", REALTIME_UPSTREAM: "local" }).upstream,
    "local",
  );
});

Deno.test("loadConfig() names the variable and the fix when a value is wrong", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ REALTIME_UPSTREAM: "gemini" }, /REALTIME_UPSTREAM/],
    [{ REALTIME_UPSTREAM: "openai" }, /set OPENAI_API_KEY/],
    [{ REALTIME_UPSTREAM: "azure", AZURE_OPENAI_API_KEY: "k" }, /AZURE_OPENAI_ENDPOINT/],
    [{ COACH_VOICE: "robot" }, /COACH_VOICE.*alloy/],
    [{ PORT: "eighty" }, /PORT.*integer/],
    [{ MAX_EVENT_BYTES: "10" }, /MAX_EVENT_BYTES.*>= 1024/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL/],
    [{ LOCAL_COACH: "parrot" }, /LOCAL_COACH.*delivery or echo/],
    [{ DELIVERY_HINTS: "yes" }, /DELIVERY_HINTS.*on or off/],
  ];
  for (const [env, message] of cases) {
    throws(
      () => loadConfig(env),
      (e: unknown) => e instanceof ConfigError && message.test((e as Error).message),
    );
  }
});

Deno.test("describeConfig() shows whether secrets are set, never the secrets", () => {
  const text = JSON.stringify(
    describeConfig(loadConfig({ OPENAI_API_KEY: "sk-secret-1234", RELAY_SECRET: "hush" })),
  );
  equal(text.includes("sk-secret"), false);
  equal(text.includes("hush"), false);
  match(text, /"openaiApiKey":"set"/);
  match(text, /"relaySecret":"set"/);
});

Deno.test("loadConfig() reads the hosting variables: KV, access codes, budgets, prices, metrics token", () => {
  const defaults = loadConfig({});
  equal(defaults.kvPath, null);
  equal(defaults.accessCodes.length, 0);
  equal(defaults.dailyMinutesPerClient, 60);
  equal(defaults.dailyMinutesTotal, null);
  equal(defaults.priceTable.model, "gpt-realtime");
  equal(defaults.metricsToken, null);
  const set = loadConfig({
    KV_PATH: ":memory:",
    ACCESS_CODES: " class-a , class-b,,",
    DAILY_MINUTES_PER_CLIENT: "0.5",
    DAILY_MINUTES_TOTAL: "600",
    METRICS_TOKEN: "metrics-token-1",
    PRICE_TABLE: JSON.stringify({ model: "m", takenOn: "2026-12-01", perMillion: {} }),
  });
  equal(set.kvPath, ":memory:");
  equal(JSON.stringify(set.accessCodes), '["class-a","class-b"]');
  equal(set.dailyMinutesPerClient, 0.5);
  equal(set.dailyMinutesTotal, 600);
  equal(set.priceTable.model, "m");
  equal(loadConfig({ DAILY_MINUTES_PER_CLIENT: "off" }).dailyMinutesPerClient, null);
  throws(() => loadConfig({ DAILY_MINUTES_TOTAL: "-1" }), /DAILY_MINUTES_TOTAL/);
  throws(() => loadConfig({ PRICE_TABLE: "{" }), /PRICE_TABLE/);
});

Deno.test("loadConfig() reads the coach's switches: LOCAL_COACH and DELIVERY_HINTS", () => {
  const defaults = loadConfig({});
  equal(defaults.localCoach, "delivery");
  equal(defaults.deliveryHints, true);
  const set = loadConfig({ LOCAL_COACH: "echo", DELIVERY_HINTS: "off" });
  equal(set.localCoach, "echo");
  equal(set.deliveryHints, false);
});
