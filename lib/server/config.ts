/**
 * The server's configuration, read once from the environment (and `.env`, see main.ts) into
 * a frozen object. Names and defaults are the contract's (README, configuration table).
 *
 * @module
 */
import { VOICES } from "@/lib/shared/session_config.ts";

export type UpstreamKind = "local" | "openai" | "azure";

export interface Config {
  port: number;
  /** Host to listen on (default all interfaces; tests use 127.0.0.1). */
  hostname: string;
  upstream: UpstreamKind;
  openaiApiKey: string | null;
  model: string;
  /** `REALTIME_URL`: overrides the upstream WebSocket URL of `openai` or `azure` (null = theirs). */
  realtimeUrl: string | null;
  azureEndpoint: string | null;
  azureApiKey: string | null;
  azureDeployment: string | null;
  coachInstructions: string;
  coachVoice: string;
  /** Origins allowed to open the relay; empty = only the server's own origin. */
  allowedOrigins: string[];
  /** Key that signs relay tickets. */
  relaySecret: string;
  /** Whether `relaySecret` was generated (not shared between instances). */
  relaySecretGenerated: boolean;
  recordDir: string | null;
  maxSessionSeconds: number;
  maxSessionsPerClient: number;
  maxEventBytes: number;
  /** Lifetime of a relay ticket. */
  ticketTtlSeconds: number;
  /** Emulator session lifetime (the service's 60 minutes; shorter in tests). */
  emulatorSessionSeconds: number;
  /** Milliseconds to wait for the upstream to open before giving up. */
  upstreamConnectTimeoutMs: number;
  /**
   * `BROWSER_STALL_MS`: a browser that takes none of the data waiting for it this long, or
   * keeps the upstream paused this long, is closed with 1008.
   */
  browserStallMs: number;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
}

export const DEFAULT_COACH_INSTRUCTIONS =
  "You are a warm, concise voice coach. Listen to the user, reflect back what you heard in one " +
  "sentence, then give one concrete suggestion to improve how they speak or present. Keep each " +
  "reply under 20 seconds and invite them to try again.";

/** Thrown when the environment holds a value the server cannot run with. */
export class ConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConfigError";
  }
}

function integer(env: Record<string, string | undefined>, name: string, fallback: number, min = 0) {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(
      `Cannot read ${name}: ${JSON.stringify(text)} is not an integer >= ${min}`,
    );
  }
  return value;
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Reads the configuration from `env` (e.g. `Deno.env.toObject()`). */
export function loadConfig(env: Record<string, string | undefined>): Readonly<Config> {
  const get = (name: string) => (env[name] ?? "").trim() || null;
  const openaiApiKey = get("OPENAI_API_KEY");
  const azureEndpoint = get("AZURE_OPENAI_ENDPOINT");
  const azureApiKey = get("AZURE_OPENAI_API_KEY");
  const azureDeployment = get("AZURE_OPENAI_DEPLOYMENT");
  const azureSet = Boolean(azureEndpoint && azureApiKey && azureDeployment);
  const upstreamText = get("REALTIME_UPSTREAM") ??
    (openaiApiKey ? "openai" : azureSet ? "azure" : "local");
  if (upstreamText !== "local" && upstreamText !== "openai" && upstreamText !== "azure") {
    throw new ConfigError(
      `Cannot read REALTIME_UPSTREAM: ${
        JSON.stringify(upstreamText)
      } is not local, openai or azure`,
    );
  }
  const upstream: UpstreamKind = upstreamText;
  if (upstream === "openai" && !openaiApiKey) {
    throw new ConfigError("Cannot use REALTIME_UPSTREAM=openai: set OPENAI_API_KEY");
  }
  if (upstream === "azure" && !azureSet) {
    throw new ConfigError(
      "Cannot use REALTIME_UPSTREAM=azure: set AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY and AZURE_OPENAI_DEPLOYMENT",
    );
  }
  const coachVoice = get("COACH_VOICE") ?? "marin";
  if (!(VOICES as readonly string[]).includes(coachVoice)) {
    throw new ConfigError(
      `Cannot read COACH_VOICE: ${coachVoice} is not one of ${VOICES.join(", ")}`,
    );
  }
  const relaySecret = get("RELAY_SECRET");
  const logLevel = get("LOG_LEVEL") ?? "info";
  if (!["debug", "info", "warn", "error", "silent"].includes(logLevel)) {
    throw new ConfigError(
      `Cannot read LOG_LEVEL: ${logLevel} is not debug, info, warn, error or silent`,
    );
  }
  return Object.freeze({
    port: integer(env, "PORT", 8000),
    hostname: get("HOSTNAME") ?? "0.0.0.0",
    upstream,
    openaiApiKey,
    model: get("REALTIME_MODEL") ?? "gpt-realtime",
    realtimeUrl: get("REALTIME_URL"),
    azureEndpoint,
    azureApiKey,
    azureDeployment,
    coachInstructions: get("COACH_INSTRUCTIONS") ?? DEFAULT_COACH_INSTRUCTIONS,
    coachVoice,
    allowedOrigins: (get("ALLOWED_ORIGINS") ?? "").split(",").map((o) => o.trim()).filter(Boolean),
    relaySecret: relaySecret ?? randomSecret(),
    relaySecretGenerated: relaySecret === null,
    recordDir: get("RECORD_DIR"),
    maxSessionSeconds: integer(env, "MAX_SESSION_SECONDS", 3600, 1),
    maxSessionsPerClient: integer(env, "MAX_SESSIONS_PER_CLIENT", 4, 1),
    maxEventBytes: integer(env, "MAX_EVENT_BYTES", 4 * 1024 * 1024, 1024),
    ticketTtlSeconds: integer(env, "TICKET_TTL_SECONDS", 60, 1),
    emulatorSessionSeconds: integer(env, "EMULATOR_SESSION_SECONDS", 3600, 1),
    upstreamConnectTimeoutMs: integer(env, "UPSTREAM_CONNECT_TIMEOUT_MS", 10_000, 1),
    browserStallMs: integer(env, "BROWSER_STALL_MS", 15_000, 100),
    logLevel: logLevel as Config["logLevel"],
  });
}

/** The configuration as safe to show: secrets replaced by whether they are set. */
export function describeConfig(config: Config): Record<string, unknown> {
  return {
    upstream: config.upstream,
    model: config.model,
    voice: config.coachVoice,
    openaiApiKey: config.openaiApiKey ? "set" : "unset",
    azureApiKey: config.azureApiKey ? "set" : "unset",
    relaySecret: config.relaySecretGenerated ? "generated" : "set",
    recordDir: config.recordDir ?? "unset",
  };
}
