/**
 * The server's configuration, read once from the environment (and `.env`, see main.ts) into
 * a frozen object. Names and defaults are the contract's (README, configuration table).
 *
 * @module
 */
import { VOICES } from "@/lib/shared/realtime/mod.ts";
import { DEFAULT_PRICE_TABLE, parsePriceTable, type PriceTable } from "./prices.ts";

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
   * `SESSION_ROLLOVER_SECONDS`: this long before the upstream session's `expires_at`, the relay
   * moves the conversation to a new session at the first quiet moment (0: only when it closes).
   */
  sessionRolloverSeconds: number;
  /**
   * `LOCAL_COACH`: what the built-in coach of local mode answers each user turn with:
   * `delivery` (spoken feedback on the turn's measured delivery) or `echo` (the turn's own
   * audio, for load tools and wire tests).
   */
  localCoach: "delivery" | "echo";
  /**
   * `DELIVERY_HINTS`: with an upstream model, the relay measures each committed user turn and
   * adds a short note item with the figures (`off` disables it).
   */
  deliveryHints: boolean;
  /**
   * `BROWSER_STALL_MS`: a browser that takes none of the data waiting for it this long, or
   * keeps the upstream paused this long, is closed with 1008.
   */
  browserStallMs: number;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  /** `EMULATOR_PUBLIC=1`: serve `/v1/realtime` to outside GA clients (with `emulatorKey`). */
  emulatorPublic: boolean;
  /** `EMULATOR_KEY`: the bearer outside clients of the public emulator must present. */
  emulatorKey: string;
  /** Whether `emulatorKey` was generated (printed at start when the emulator is public). */
  emulatorKeyGenerated: boolean;
  /** `TICKET_RATE_PER_CLIENT`: tickets per client (a token bucket), or null when `off`. */
  ticketRate: Rate | null;
  /** `TRUST_PROXY=1`: the client is the first `X-Forwarded-For` hop; forwarded hosts count. */
  trustProxy: boolean;
  /** `PUBLIC_ORIGIN`: the site's public origin (`https://coach.example.org`), or null. */
  publicOrigin: string | null;
  /** `MAX_SESSIONS`: relay sessions per process; beyond it 503 with `retry-after`. */
  maxSessions: number;
  /**
   * `MAX_AUDIO_SPEED`: audio a session may send, in multiples of real time averaged beyond a
   * 5 s burst; null when `off`.
   */
  maxAudioSpeed: number | null;
  /** `EVENT_RATE_PER_SESSION`: events other than appends per session; null when `off`. */
  eventRate: Rate | null;
  /** Set on Deno Deploy (`DENO_DEPLOYMENT_ID`): the request's own origin is allowed. */
  deployment: string | null;
  /**
   * `KV_PATH`: the Deno KV store for shared state: null for `Deno.openKv()` (Deno's own storage
   * locally, the managed database on Deno Deploy), a file path, `:memory:`, or a `denokv` URL.
   */
  kvPath: string | null;
  /** `ACCESS_CODES`: codes that unlock tickets; empty when the service is open. */
  accessCodes: string[];
  /** `DAILY_MINUTES_PER_CLIENT`: minutes of session time per client per UTC day; null: off. */
  dailyMinutesPerClient: number | null;
  /** `DAILY_MINUTES_TOTAL`: minutes of session time for the whole service per UTC day; null: off. */
  dailyMinutesTotal: number | null;
  /** `PRICE_TABLE`: prices for the usage estimate (the built-in `gpt-realtime` ones by default). */
  priceTable: PriceTable;
  /** `METRICS_TOKEN`: when set, `/metrics` needs it as a bearer. */
  metricsToken: string | null;
}

/** A token bucket: `burst` at once, then `count` per `windowMs`. */
export interface Rate {
  count: number;
  windowMs: number;
  burst: number;
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

const RATE_UNITS: Record<string, number> = { s: 1000, sec: 1000, min: 60_000, h: 3_600_000 };

/**
 * Reads a rate such as `10/min` (burst 5 unless given: `10/min,burst=3`), or `off` (null).
 * Units: `s`, `min`, `h`.
 */
export function parseRate(name: string, text: string, defaultBurst: number): Rate | null {
  const trimmed = text.trim();
  if (trimmed === "off") return null;
  const match = /^(\d+)\s*\/\s*(s|sec|min|h)(?:\s*,\s*burst\s*=\s*(\d+))?$/.exec(trimmed);
  const count = match ? Number(match[1]) : 0;
  if (!match || count < 1) {
    throw new ConfigError(
      `Cannot read ${name}: ${
        JSON.stringify(text)
      } is not a rate; write it as 10/min (units s, min, h), optionally 10/min,burst=5, or off`,
    );
  }
  const burst = match[3] === undefined ? Math.min(defaultBurst, count) : Number(match[3]);
  if (burst < 1) throw new ConfigError(`Cannot read ${name}: the burst must be at least 1`);
  return { count, windowMs: RATE_UNITS[match[2]], burst };
}

/** Reads minutes such as `60` or `0.5`, or `off` (null); `fallback` when unset. */
function minutes(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number | null,
): number | null {
  const text = (env[name] ?? "").trim();
  if (text === "") return fallback;
  if (text === "off") return null;
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new ConfigError(
      `Cannot read ${name}: ${JSON.stringify(text)} is not a number of minutes > 0, or off`,
    );
  }
  return value;
}

/** Reads a positive factor such as `2` or `1.5`, or `off` (null). */
function factor(env: Record<string, string | undefined>, name: string, fallback: number) {
  const text = (env[name] ?? "").trim();
  if (text === "") return fallback;
  if (text === "off") return null;
  const value = Number(text);
  if (!(value >= 1) || !Number.isFinite(value)) {
    throw new ConfigError(
      `Cannot read ${name}: ${JSON.stringify(text)} is not a number >= 1 or off`,
    );
  }
  return value;
}

/** Reads `1`/`true`/`yes` (and `0`/`false`/`no`/empty) as a flag. */
function flag(env: Record<string, string | undefined>, name: string): boolean {
  const text = (env[name] ?? "").trim().toLowerCase();
  if (text === "" || text === "0" || text === "false" || text === "no") return false;
  if (text === "1" || text === "true" || text === "yes") return true;
  throw new ConfigError(`Cannot read ${name}: ${JSON.stringify(env[name])} is not 1 or 0`);
}

/** An origin (`scheme://host[:port]`) as the browser sends it, or a ConfigError. */
function origin(name: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(
      `Cannot read ${name}: ${
        JSON.stringify(text)
      } is not an origin such as https://coach.example.org`,
    );
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.origin === "null") {
    throw new ConfigError(`Cannot read ${name}: ${JSON.stringify(text)} is not an http(s) origin`);
  }
  return url.origin;
}

/**
 * Relay sessions per process by default: each takes up to three descriptors (the browser's
 * socket, the upstream's, a recording) and the process needs some of its own, so the default
 * stays well under the common soft limit of 1024 open files.
 */
export const DEFAULT_MAX_SESSIONS = 300;

function priceTable(text: string | null): PriceTable {
  if (text === null) return DEFAULT_PRICE_TABLE;
  try {
    return parsePriceTable(text);
  } catch (error) {
    throw new ConfigError(`Cannot read PRICE_TABLE: ${(error as Error).message}`, { cause: error });
  }
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
  const localCoach = get("LOCAL_COACH") ?? "delivery";
  if (localCoach !== "delivery" && localCoach !== "echo") {
    throw new ConfigError(
      `Cannot read LOCAL_COACH: ${JSON.stringify(localCoach)} is not delivery or echo`,
    );
  }
  const deliveryHints = get("DELIVERY_HINTS") ?? "on";
  if (deliveryHints !== "on" && deliveryHints !== "off") {
    throw new ConfigError(
      `Cannot read DELIVERY_HINTS: ${JSON.stringify(deliveryHints)} is not on or off`,
    );
  }
  const emulatorKey = get("EMULATOR_KEY");
  const publicOrigin = get("PUBLIC_ORIGIN");
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
    allowedOrigins: (get("ALLOWED_ORIGINS") ?? "").split(",").map((o) => o.trim()).filter(Boolean)
      .map((o) => origin("ALLOWED_ORIGINS", o)),
    relaySecret: relaySecret ?? randomSecret(),
    relaySecretGenerated: relaySecret === null,
    recordDir: get("RECORD_DIR"),
    maxSessionSeconds: integer(env, "MAX_SESSION_SECONDS", 3600, 1),
    maxSessionsPerClient: integer(env, "MAX_SESSIONS_PER_CLIENT", 4, 1),
    maxEventBytes: integer(env, "MAX_EVENT_BYTES", 4 * 1024 * 1024, 1024),
    ticketTtlSeconds: integer(env, "TICKET_TTL_SECONDS", 60, 1),
    emulatorSessionSeconds: integer(env, "EMULATOR_SESSION_SECONDS", 3600, 1),
    upstreamConnectTimeoutMs: integer(env, "UPSTREAM_CONNECT_TIMEOUT_MS", 10_000, 1),
    sessionRolloverSeconds: integer(env, "SESSION_ROLLOVER_SECONDS", 300, 0),
    browserStallMs: integer(env, "BROWSER_STALL_MS", 15_000, 100),
    localCoach,
    deliveryHints: deliveryHints === "on",
    logLevel: logLevel as Config["logLevel"],
    emulatorPublic: flag(env, "EMULATOR_PUBLIC"),
    emulatorKey: emulatorKey ?? `emk_${randomSecret().slice(0, 40)}`,
    emulatorKeyGenerated: emulatorKey === null,
    ticketRate: parseRate("TICKET_RATE_PER_CLIENT", get("TICKET_RATE_PER_CLIENT") ?? "10/min", 5),
    trustProxy: flag(env, "TRUST_PROXY"),
    publicOrigin: publicOrigin === null ? null : origin("PUBLIC_ORIGIN", publicOrigin),
    maxSessions: integer(env, "MAX_SESSIONS", DEFAULT_MAX_SESSIONS, 1),
    maxAudioSpeed: factor(env, "MAX_AUDIO_SPEED", 2),
    eventRate: parseRate("EVENT_RATE_PER_SESSION", get("EVENT_RATE_PER_SESSION") ?? "20/s", 20),
    deployment: get("DENO_DEPLOYMENT_ID"),
    kvPath: get("KV_PATH"),
    accessCodes: (get("ACCESS_CODES") ?? "").split(",").map((c) => c.trim()).filter(Boolean),
    dailyMinutesPerClient: minutes(env, "DAILY_MINUTES_PER_CLIENT", 60),
    dailyMinutesTotal: minutes(env, "DAILY_MINUTES_TOTAL", null),
    priceTable: priceTable(get("PRICE_TABLE")),
    metricsToken: get("METRICS_TOKEN"),
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
    emulatorPublic: config.emulatorPublic,
    trustProxy: config.trustProxy,
    publicOrigin: config.publicOrigin ?? "unset",
    maxSessions: config.maxSessions,
    kv: config.kvPath === null
      ? "default"
      : config.kvPath === ":memory:"
      ? "memory"
      : /^https?:\/\//.test(config.kvPath)
      ? "remote"
      : "file",
    accessCodes: config.accessCodes.length,
    dailyMinutesPerClient: config.dailyMinutesPerClient ?? "off",
    dailyMinutesTotal: config.dailyMinutesTotal ?? "off",
    metricsToken: config.metricsToken ? "set" : "unset",
    localCoach: config.localCoach,
    deliveryHints: config.deliveryHints,
  };
}

/**
 * Every secret the configuration holds, for literal redaction wherever text leaves the
 * server (error events, close reasons, logs, metrics). Short values are left out: a secret
 * of one or two characters would turn every occurrence of those letters into a mask.
 */
export function configSecrets(config: Readonly<Config>): string[] {
  return [
    config.openaiApiKey,
    config.azureApiKey,
    config.relaySecret,
    config.emulatorKey,
    config.metricsToken,
    ...config.accessCodes,
  ].filter((s): s is string => s !== null && s.length >= MIN_SECRET_LENGTH);
}

/** Secrets shorter than this are not redacted literally (see {@linkcode configSecrets}). */
export const MIN_SECRET_LENGTH = 4;
