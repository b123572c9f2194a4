/**
 * Access codes, the page's side: whether this browser may start a session, and sending a code
 * to `POST /api/access` (a right one sets an HttpOnly cookie the page never sees; from then on
 * `POST /api/session` gives tickets). The page learns at render time whether codes are on and
 * whether its cookie is valid; a later 401 `access_required` (the cookie expired) asks again.
 *
 * @module
 */

/** Why the code form asks again. No words here: islands/voice_words.ts says them. */
export type AccessProblem =
  /** The code was not right (401). */
  | { type: "wrong-code" }
  /** Too many tries from this client (429); try again after `retryAfterSeconds`. */
  | { type: "too-many-tries"; retryAfterSeconds: number }
  /** Access was granted before, but the server no longer accepts it (the cookie expired). */
  | { type: "expired" }
  /** The check itself failed (network, or another status). */
  | { type: "failed"; status: number | null };

/** What the code form shows. */
export interface AccessView {
  /** The server asks for a code and this browser has no valid one: Start waits for it. */
  needed: boolean;
  /** A code is being checked. */
  checking: boolean;
  problem: AccessProblem | null;
}

/** The view at page load: `required` (codes are on), `granted` (the cookie is valid). */
export function initialAccess(required: boolean, granted: boolean): AccessView {
  return { needed: required && !granted, checking: false, problem: null };
}

/** Options of {@linkcode submitAccessCode}. */
export interface SubmitOptions {
  /**
   * The fetch to use.
   * @default {globalThis.fetch}
   */
  fetch?: typeof fetch;
}

/**
 * Sends `code` to `POST /api/access` on `baseUrl`; null when it was accepted (204: the cookie
 * is set), else why not.
 */
export async function submitAccessCode(
  baseUrl: string,
  code: string,
  options: SubmitOptions = {},
): Promise<AccessProblem | null> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  let res: Response;
  try {
    res = await fetchFn(new URL("/api/access", baseUrl), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code }),
      credentials: "same-origin",
    });
  } catch {
    return { type: "failed", status: null };
  }
  await res.body?.cancel();
  if (res.ok) return null;
  if (res.status === 401) return { type: "wrong-code" };
  if (res.status === 429) {
    const seconds = Number(res.headers.get("retry-after"));
    return {
      type: "too-many-tries",
      retryAfterSeconds: Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 60,
    };
  }
  return { type: "failed", status: res.status };
}
