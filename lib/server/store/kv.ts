/**
 * The Deno KV store that holds what several instances of the server share (used tickets,
 * session leases, budgets, usage): opening it from `KV_PATH`, and a health probe for
 * `/healthz`.
 *
 * `KV_PATH` unset opens Deno's own storage (`Deno.openKv()`: a local SQLite file Deno keeps,
 * or the managed database on Deno Deploy); a file path opens that SQLite file; `:memory:` an
 * in-process database (tests); an `http(s)://` URL a KV Connect server (`denokv`), which needs
 * `DENO_KV_ACCESS_TOKEN`.
 *
 * Open one handle per process and hand it to every store: two handles on one file in one
 * process see each other's writes, but concurrent checked writes through both fail with
 * "database is locked" (measured: 6-12 % of 200), as two processes on one file do. So a file
 * serves one process, and several instances share a `denokv` server or Deploy's database.
 *
 * Deno's KV Connect client retries a failed remote call for as long as the process lives, even
 * after `close()`, and opening a remote store waits for its metadata: hence the timeout of
 * {@linkcode openStore}, and one probe in flight at a time in {@linkcode kvHealthy}.
 *
 * @module
 */

/** Options of {@linkcode openStore}. */
export interface OpenStoreOptions {
  /**
   * Milliseconds to wait for the store to open (a remote one answers its metadata first).
   * @default {10000}
   */
  timeoutMs?: number;
}

/** Default of {@linkcode OpenStoreOptions.timeoutMs}. */
export const DEFAULT_OPEN_TIMEOUT_MS = 10_000;

/**
 * Opens the store `KV_PATH` names: null for Deno's default, `:memory:`, a file path, or a
 * KV Connect URL.
 *
 * @throws {Error} naming `KV_PATH` and what to do, when the store cannot be opened in time
 * @throws {RangeError} when `options.timeoutMs` is not a positive number
 */
export async function openStore(
  kvPath: string | null,
  options: OpenStoreOptions = {},
): Promise<Deno.Kv> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS;
  if (!(timeoutMs > 0)) {
    throw new RangeError(`Cannot open the KV store: timeout ${timeoutMs} ms must be positive`);
  }
  const what = kvPath === null
    ? "Deno's default KV store (KV_PATH unset)"
    : `the KV store KV_PATH=${describeKvPath(kvPath)}`;
  const remote = kvPath !== null && /^https?:\/\//i.test(kvPath);
  const hint = kvPath === null
    ? "set KV_PATH to a file path the server may write, or to a denokv URL"
    : remote
    ? "check that the denokv server is up and DENO_KV_ACCESS_TOKEN is its token"
    : "set KV_PATH to a file in a directory the server may write, :memory:, or a denokv URL";
  let timer: ReturnType<typeof setTimeout> | undefined;
  let late = false;
  const opening = kvPath === null ? Deno.openKv() : Deno.openKv(kvPath);
  // A store that opens after the timeout is closed at once, not leaked.
  opening.then((kv) => late && kv.close(), () => {});
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(new Error(`Cannot open ${what}: no answer within ${timeoutMs} ms; ${hint}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([
      opening.catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`Cannot open ${what}: ${reason}; ${hint}`, { cause: error });
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `KV_PATH` as it may appear in a message: a URL without its user, password or query (where
 * a token could hide), a path or `:memory:` as it is.
 */
export function describeKvPath(kvPath: string): string {
  if (!/^https?:\/\//i.test(kvPath)) return kvPath;
  try {
    const url = new URL(kvPath);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return "(a URL that does not parse)";
  }
}

/** What {@linkcode kvHealthy} found. */
export type StoreHealth = "ok" | "degraded";

/** The key the probe reads; it is never written. */
const PROBE_KEY: Deno.KvKey = ["health", "probe"];

/**
 * The probe still running per store: a remote read that gets no answer is retried by Deno
 * for as long as the process lives, so a probe that timed out is joined, not repeated, or
 * every `/healthz` behind a dead store would add one more read that never ends.
 */
const pending = new WeakMap<Deno.Kv, Promise<boolean>>();

/**
 * Whether `kv` answers a strong read within `timeoutMs`: `"ok"`, or `"degraded"` when the
 * read fails (a closed store, a remote one refusing) or takes longer.
 *
 * @throws {RangeError} when `timeoutMs` is not a positive number
 */
export async function kvHealthy(kv: Deno.Kv, timeoutMs: number): Promise<StoreHealth> {
  if (!(timeoutMs > 0)) {
    throw new RangeError(`Cannot probe the KV store: timeout ${timeoutMs} ms must be positive`);
  }
  let probe = pending.get(kv);
  if (probe === undefined) {
    let read: Promise<unknown>;
    try {
      read = kv.get(PROBE_KEY);
    } catch {
      return "degraded";
    }
    probe = read.then(() => true, () => false).finally(() => pending.delete(kv));
    pending.set(kv, probe);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return (await Promise.race([probe, late])) ? "ok" : "degraded";
  } finally {
    clearTimeout(timer);
  }
}
