/**
 * A deadline for a promise the server cannot cancel (a KV call, say): the caller stops waiting,
 * the call goes on and whatever it ends with is dropped.
 *
 * @module
 */

/**
 * `call`'s result, or a rejection with `late()`'s error when `call` has not settled within
 * `ms`. A failure of `call` after the deadline is dropped (never an unhandled rejection); the
 * timer is cleared whichever comes first.
 */
export async function withDeadline<T>(
  call: Promise<T>,
  ms: number,
  late: () => Error,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  call.catch(() => {});
  try {
    return await Promise.race([call, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
