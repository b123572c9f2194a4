/**
 * `/v1/realtime` for outside GA clients, served only when `EMULATOR_PUBLIC=1`: developers
 * point their own Realtime clients at the embedded emulator. The relay never comes this way
 * (it drives the emulator in process), so by default the route answers 404.
 *
 * When public, every refusal happens before the upgrade, as plain HTTP with a JSON error:
 * - 401 without `Authorization: Bearer <EMULATOR_KEY>` (or the browser form, the subprotocol
 *   `openai-insecure-api-key.<EMULATOR_KEY>`); the key is compared in constant time;
 * - 429 when the client already holds `MAX_SESSIONS_PER_CLIENT` emulator sessions.
 *
 * An open session takes events up to `MAX_EVENT_BYTES` (larger ones get an error and the
 * session goes on), and keeps bounded audio (see `session.ts`).
 *
 * @module
 */
import type { LocalCoachMode } from "../coach/local_coach.ts";
import type { Config } from "../config.ts";
import { handleRealtimeUpgrade } from "./upgrade.ts";

/** Options of {@linkcode PublicEmulator}. */
export interface PublicEmulatorOptions {
  /** The bearer clients must present (`EMULATOR_KEY`). */
  key: string;
  /** Concurrent sessions per client address (`MAX_SESSIONS_PER_CLIENT`). */
  maxSessionsPerClient: number;
  /** Largest event accepted, in bytes (`MAX_EVENT_BYTES`). */
  maxEventBytes: number;
  /**
   * Session lifetime in seconds (`EMULATOR_SESSION_SECONDS`).
   * @default {3600}
   */
  sessionSeconds?: number;
  /**
   * What the coach answers each user turn with (`LOCAL_COACH`).
   * @default {"echo"}
   */
  coach?: LocalCoachMode;
  /** Structured logger (debug). */
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** Browsers pass the key as the subprotocol `openai-insecure-api-key.<key>`. */
const KEY_PROTOCOL_PREFIX = "openai-insecure-api-key.";

/** The emulator's public entry: key check, per-client cap, then the GA upgrade. */
export class PublicEmulator {
  #options: PublicEmulatorOptions;
  #keyDigest: Promise<Uint8Array>;
  #perClient = new Map<string, number>();

  constructor(options: PublicEmulatorOptions) {
    if (options.key.length === 0) {
      throw new RangeError("Cannot serve the public emulator: the key is empty; set EMULATOR_KEY");
    }
    this.#options = options;
    this.#keyDigest = digest(options.key);
  }

  /** Open sessions, over every client. */
  get size(): number {
    let total = 0;
    for (const count of this.#perClient.values()) total += count;
    return total;
  }

  /**
   * Answers `req` from `client` (its address): 401, 429, the emulator's own 400 for a
   * request that is not an upgrade, or the 101 of a session.
   */
  async handle(req: Request, client: string): Promise<Response> {
    if (!await this.#authorized(req.headers)) {
      this.#options.log?.("public emulator refused: key", { client });
      return refuse(
        401,
        "invalid_api_key",
        "Cannot open a Realtime session: missing or wrong key. Send 'Authorization: Bearer <EMULATOR_KEY>' (the server prints a generated key at start)",
        { "www-authenticate": 'Bearer realm="realtime"' },
      );
    }
    const held = this.#perClient.get(client) ?? 0;
    if (held >= this.#options.maxSessionsPerClient) {
      this.#options.log?.("public emulator refused: sessions per client", { client, held });
      return refuse(
        429,
        "too_many_sessions",
        `Cannot open a Realtime session: this client already has ${held} open; close one first`,
      );
    }
    this.#perClient.set(client, held + 1);
    const response = handleRealtimeUpgrade(req, {
      sessionSeconds: this.#options.sessionSeconds,
      coach: this.#options.coach,
      maxEventBytes: this.#options.maxEventBytes,
      log: this.#options.log,
      onClose: () => this.#release(client),
    });
    if (response.status !== 101) this.#release(client);
    return response;
  }

  #release(client: string): void {
    const count = (this.#perClient.get(client) ?? 1) - 1;
    if (count <= 0) this.#perClient.delete(client);
    else this.#perClient.set(client, count);
  }

  /** Whether the bearer or the key subprotocol holds the key (each compared in constant time). */
  async #authorized(headers: Headers): Promise<boolean> {
    const offered = headers.get("authorization")?.trim() ?? "";
    const candidates: string[] = [];
    const bearer = /^bearer\s+(\S+)$/i.exec(offered);
    if (bearer) candidates.push(bearer[1]);
    for (const protocol of (headers.get("sec-websocket-protocol") ?? "").split(",")) {
      const token = protocol.trim();
      if (token.startsWith(KEY_PROTOCOL_PREFIX)) {
        candidates.push(token.slice(KEY_PROTOCOL_PREFIX.length));
      }
    }
    const expected = await this.#keyDigest;
    let ok = false;
    for (const candidate of candidates) {
      if (sameBytes(await digest(candidate), expected)) ok = true;
    }
    return ok;
  }
}

/** SHA-256 of `text`: comparing digests hides the key's length and content from timing. */
async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
}

/** Compares two equal-length arrays without an early exit. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

function refuse(
  status: number,
  code: string,
  message: string,
  headers: HeadersInit = {},
): Response {
  return Response.json(
    { error: { type: "invalid_request_error", code, message, param: null } },
    { status, headers },
  );
}

/** Where {@linkcode announcePublicEmulator} writes its line; tests pass their own. */
export type NoticeSink = (line: string) => void;

function printLine(line: string): void {
  // The one line that carries the key: printed outside the logger, whose redaction masks
  // every configured secret (this key included) and would make the line useless.
  // deno-lint-ignore no-console
  console.error(line);
}

/** Options of {@linkcode openPublicEmulator}. */
export interface OpenPublicEmulatorOptions {
  /**
   * Where the line with a generated key goes.
   * @default {console.error}
   */
  sink?: NoticeSink;
  /** Structured logger (debug) for the emulator's sessions. */
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/**
 * The public emulator for `config`, or null when `EMULATOR_PUBLIC` is off. When the key was
 * generated, prints it once (the only place it is ever written) as a JSON log line at info,
 * straight to `sink`, past the logger's redaction; unless `LOG_LEVEL=silent`.
 */
export function openPublicEmulator(
  config: Pick<
    Config,
    | "emulatorPublic"
    | "emulatorKey"
    | "emulatorKeyGenerated"
    | "maxSessionsPerClient"
    | "maxEventBytes"
    | "emulatorSessionSeconds"
    | "logLevel"
    | "localCoach"
  >,
  options: OpenPublicEmulatorOptions = {},
): PublicEmulator | null {
  if (!config.emulatorPublic) return null;
  if (config.emulatorKeyGenerated && config.logLevel !== "silent") {
    (options.sink ?? printLine)(JSON.stringify({
      time: new Date().toISOString(),
      level: "info",
      msg: "public emulator key",
      emulatorKey: config.emulatorKey,
      hint:
        "clients of /v1/realtime send 'Authorization: Bearer <emulatorKey>'; set EMULATOR_KEY to choose it",
    }));
  }
  return new PublicEmulator({
    key: config.emulatorKey,
    maxSessionsPerClient: config.maxSessionsPerClient,
    maxEventBytes: config.maxEventBytes,
    sessionSeconds: config.emulatorSessionSeconds,
    coach: config.localCoach,
    ...(options.log ? { log: options.log } : {}),
  });
}
