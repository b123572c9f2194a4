/**
 * The emulator's entry point: upgrades `GET /v1/realtime` to a WebSocket and runs one
 * emulated Realtime GA session on it (docs/protocol.md §1 for the handshake, the rest of the
 * protocol in `session.ts`).
 *
 * @module
 */

import { errorEvent } from "../../shared/realtime/mod.ts";
import type { LocalCoachMode } from "../coach/local_coach.ts";
import { eventTooLarge } from "./errors.ts";
import { checkHandshake, offeredProtocols, selectProtocol } from "./handshake.ts";
import { checkEmulatorOptions, EmulatedSession } from "./session.ts";
import { VoiceActivityDetector } from "./vad.ts";

/** Options of {@linkcode handleRealtimeUpgrade}. */
export interface EmulatorOptions {
  /**
   * Session lifetime in seconds (the service's 60 minutes; tests set a few seconds).
   * @default {3600}
   */
  sessionSeconds?: number;
  /**
   * Assistant audio pacing: deltas are sent this many times faster than real time (the real
   * service streams faster than playback).
   * @default {2}
   */
  speedup?: number;
  /**
   * Frames larger than this many bytes are answered with an `error` (code
   * `relay_event_too_large`) and not handled; the session goes on.
   * @default {Infinity}
   */
  maxEventBytes?: number;
  /**
   * What the coach answers each user turn with (`LOCAL_COACH`): feedback on its delivery,
   * spoken, or the echo.
   * @default {"echo"}
   */
  coach?: LocalCoachMode;
  /** Optional structured logger. */
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** Called once when the upgraded socket has closed (not for a refused upgrade). */
  onClose?: () => void;
}

/**
 * Deno's `idleTimeout`: it pings every half of it (20 s, close to the service's own ping interval, docs/protocol.md §1.5) and
 * closes a connection that has not answered within it.
 */
const IDLE_TIMEOUT_SECONDS = 40;

/**
 * Upgrades `req` (`Deno.upgradeWebSocket`) and runs one emulated Realtime session on it.
 * A request that is not a WebSocket upgrade gets HTTP 400 with a JSON error.
 *
 * @throws {RangeError} when `sessionSeconds` or `speedup` is not a positive number
 */
export function handleRealtimeUpgrade(req: Request, options: EmulatorOptions = {}): Response {
  checkEmulatorOptions(options);
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") return notAnUpgrade();
  // Read the request before upgrading: Deno closes it (headers included) on upgrade.
  const protocol = selectProtocol(offeredProtocols(req.headers));
  const handshake = checkHandshake(new URL(req.url), req.headers);
  let upgrade: ReturnType<typeof Deno.upgradeWebSocket>;
  try {
    upgrade = Deno.upgradeWebSocket(req, { idleTimeout: IDLE_TIMEOUT_SECONDS });
  } catch {
    return notAnUpgrade();
  }
  const { socket, response } = upgrade;
  // Set by hand: Deno's `protocol` option only finds an offer in a list written "a, b",
  // while npm `ws` writes "a,b".
  if (protocol !== undefined) response.headers.set("sec-websocket-protocol", protocol);
  socket.binaryType = "arraybuffer";

  let session: EmulatedSession | undefined;
  let closed = false;
  const onClose = () => {
    session?.dispose();
    if (closed) return;
    closed = true;
    options.onClose?.();
  };
  const { onClose: _, maxEventBytes = Infinity, ...sessionOptions } = options;
  socket.onopen = () => {
    if (!handshake.ok) {
      const { code, message, param, closeCode, closeReason } = handshake.problem;
      socket.send(JSON.stringify(errorEvent(code, message, { param })));
      socket.close(closeCode, closeReason);
      options.log?.("emulator refused a session", { code, close_code: closeCode });
      return;
    }
    session = new EmulatedSession({
      send(text) {
        if (socket.readyState === WebSocket.OPEN) socket.send(text);
      },
      close(code, reason) {
        if (socket.readyState === WebSocket.OPEN) socket.close(code, reason);
      },
    }, {
      model: handshake.model,
      createVad: (vadOptions) => VoiceActivityDetector.create(vadOptions),
      ...definedOnly(sessionOptions),
    });
    options.log?.("emulator session started", {
      session_id: session.session.id,
      model: handshake.model,
    });
    session.start();
  };
  socket.onmessage = (event: MessageEvent) => {
    if (!session) return;
    const size = frameBytes(event.data, maxEventBytes);
    if (size > maxEventBytes) {
      const { code, message, param } = eventTooLarge(size, maxEventBytes);
      if (socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify(errorEvent(code, message, { param })));
      }
      return;
    }
    session.receive(event.data);
  };
  socket.onclose = onClose;
  socket.onerror = onClose;
  return response;
}

/**
 * The size of a frame in bytes: exact for binary, and for text exact only when it could be
 * over `limit` (UTF-8 takes at most 3 bytes per UTF-16 unit), so most frames are not encoded.
 */
function frameBytes(data: string | ArrayBuffer, limit: number): number {
  if (typeof data !== "string") return data.byteLength;
  if (data.length * 3 <= limit) return data.length;
  return new TextEncoder().encode(data).length;
}

function notAnUpgrade(): Response {
  const body = {
    error: {
      type: "invalid_request_error",
      code: null,
      message: "Cannot open a Realtime session over plain HTTP: connect with a WebSocket " +
        "(Upgrade: websocket) to /v1/realtime?model=gpt-realtime",
      param: null,
    },
  };
  return Response.json(body, { status: 400 });
}

/** The options that are set, so `undefined` never overrides a default. */
function definedOnly(options: EmulatorOptions): EmulatorOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
