/**
 * `POST /api/access` with JSON `{"code": "…"}`: a right access code (`ACCESS_CODES`) answers
 * 204 with a signed, HttpOnly, SameSite=Strict cookie (Secure when the page is on https) that
 * lets this browser get tickets for 30 days.
 *
 * Refusals: 401 (a wrong code), 400 (not JSON with a string `code`), 403 (an `Origin` that is
 * not allowed), 429 with `retry-after` (more than 5 tries a minute from this client, each try
 * counted whatever its body). With no codes configured the service is open: 204 and no cookie.
 */
import type { Context, Handlers } from "@/framework/types.ts";
import { clientAddress } from "@/lib/server/client_address.ts";
import type { AppState } from "@/lib/server/state.ts";

/** Largest body read; a code is at most 256 characters. */
const MAX_BODY_BYTES = 4096;

const NO_STORE = { "cache-control": "no-store" };

export const handler: Handlers<AppState> = {
  async POST(ctx) {
    const { config, access, metrics, logger } = ctx.state;
    if (!ctx.state.origins.allows(ctx.req)) {
      metrics.rejected.inc({ status: "403" });
      return Response.json({ error: "Cannot check the access code: this origin is not allowed" }, {
        status: 403,
        headers: NO_STORE,
      });
    }
    if (!access.enabled) {
      await ctx.req.body?.cancel();
      return new Response(null, { status: 204, headers: NO_STORE });
    }
    const decision = access.tries.take(clientAddress(ctx.req, ctx.remoteAddr, config));
    if (!decision.ok) {
      await ctx.req.body?.cancel();
      const seconds = decision.retryAfterSeconds;
      metrics.rateLimited.inc({ kind: "access" });
      logger.info("access code refused: too many tries", { retryAfterSeconds: seconds });
      return Response.json({
        error:
          `Cannot check the access code: too many tries from this client; retry in ${seconds} s`,
        retryAfterSeconds: seconds,
      }, { status: 429, headers: { ...NO_STORE, "retry-after": String(seconds) } });
    }
    const code = await readCode(ctx.req);
    if (code === null) {
      return Response.json({
        error: 'Cannot check the access code: send JSON {"code": "…"} with the code as a string',
      }, { status: 400, headers: NO_STORE });
    }
    if (!access.check(code)) {
      logger.info("access code refused: wrong code");
      return Response.json({
        error: "Cannot unlock the coach: that access code is not right; check it and try again",
        code: "access_denied",
      }, { status: 401, headers: NO_STORE });
    }
    const cookie = await access.issueCookie(isSecure(ctx));
    logger.info("access code accepted");
    return new Response(null, { status: 204, headers: { ...NO_STORE, "set-cookie": cookie } });
  },
};

/** The `code` of a JSON body of at most 4 KiB, or null when there is no such string. */
async function readCode(req: Request): Promise<string | null> {
  if (req.body === null) return null;
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        return null;
      }
      chunks.push(value);
    }
  } catch {
    return null;
  }
  let body: unknown;
  try {
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return null;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
  const { code } = body as { code?: unknown };
  return typeof code === "string" ? code : null;
}

/**
 * Whether the page is on https, so the cookie gets `Secure`: the browser's `Origin` (already
 * checked to be allowed), the request URL (Deno Deploy's edge writes https there), or, behind a
 * trusted proxy, `X-Forwarded-Proto`. A `Secure` cookie set for an http page would be dropped.
 */
function isSecure(ctx: Context<AppState>): boolean {
  const origin = ctx.req.headers.get("origin");
  if (origin !== null) return origin.startsWith("https://");
  if (ctx.url.protocol === "https:") return true;
  return ctx.state.config.trustProxy &&
    ctx.req.headers.get("x-forwarded-proto")?.split(",")[0].trim() === "https";
}
