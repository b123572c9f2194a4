/**
 * Checks and errors shared by the store modules.
 *
 * @module
 */

/** Longest client key a store accepts (an address, or a holder id with its prefix). */
export const MAX_CLIENT_LENGTH = 512;

/** @throws {TypeError} when `client` is not a string of 1 to {@linkcode MAX_CLIENT_LENGTH} characters */
export function checkClient(client: string, action: string): void {
  if (typeof client !== "string" || client.length === 0 || client.length > MAX_CLIENT_LENGTH) {
    throw new TypeError(
      `Cannot ${action}: the client must be a string of 1 to ${MAX_CLIENT_LENGTH} characters`,
    );
  }
}

/** The error for a KV call that failed while doing `action`, naming what the caller should do. */
export function storeFailed(action: string, error: unknown, nextStep: string): Error {
  return new Error(
    `Cannot ${action}: the KV store failed (${
      error instanceof Error ? error.message : String(error)
    }); ${nextStep}`,
    { cause: error },
  );
}
