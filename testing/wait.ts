/**
 * Waiting in tests without a fixed sleep: until a condition holds, or for a promise with a
 * time limit.
 *
 * @module
 */

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Options of {@linkcode waitFor}. */
export interface WaitOptions {
  /**
   * How long to wait before failing, in ms.
   * @default {5000}
   */
  timeoutMs?: number;
  /**
   * What is awaited, for the error message.
   * @default {"condition"}
   */
  what?: string;
  /**
   * How often `condition` is checked, in ms.
   * @default {10}
   */
  intervalMs?: number;
}

/**
 * Resolves once `condition()` is true, checking it every few milliseconds.
 *
 * @throws {Error} when it is still false after `timeoutMs`
 */
export async function waitFor(condition: () => boolean, options: WaitOptions = {}): Promise<void> {
  const { timeoutMs = 5000, what = "condition", intervalMs = 10 } = options;
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > timeoutMs) {
      throw new Error(`Cannot go on: no ${what} within ${timeoutMs} ms`);
    }
    await sleep(intervalMs);
  }
}

/** `promise`'s value, or null when it has not settled within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), ms));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
