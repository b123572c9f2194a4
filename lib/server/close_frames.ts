/**
 * What a server may put in a WebSocket close frame it sends: which codes pass through from
 * the other leg, and reasons cut to the 123 bytes of UTF-8 a close frame holds (RFC 6455
 * §5.5: a control frame's payload is at most 125 bytes, two of them the code).
 *
 * @module
 */

/** Longest close reason, in bytes of UTF-8. */
export const MAX_REASON_BYTES = 123;

/**
 * Whether a server may send close `code` on: 1000, 1001, 1008, 1011, and the codes for
 * libraries and applications (3000–4999). Others are not passed on: 1005, 1006 and 1015
 * are never sent in a frame, and 1002, 1003… describe the other leg's own connection.
 */
export function sendableCode(code: number): boolean {
  return code === 1000 || code === 1001 || code === 1008 || code === 1011 ||
    (code >= 3000 && code <= 4999);
}

/**
 * `reason` as it fits a close frame: itself when it does, else its first 120 bytes (a
 * character cut in half dropped) and "…".
 */
export function clipReason(reason: string): string {
  const bytes = new TextEncoder().encode(reason);
  if (bytes.length <= MAX_REASON_BYTES) return reason;
  return new TextDecoder().decode(bytes.subarray(0, 120)).replace(/\uFFFD$/, "") + "…";
}
