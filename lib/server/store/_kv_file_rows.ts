/**
 * For tests: what a Deno KV SQLite file holds for a key, read with `node:sqlite` beside (or
 * after) the store, to check what the KV API does not show: a key's expiry. Keys made of
 * strings only (the tuple encoding: `0x02`, the UTF-8 bytes with `0x00` escaped as
 * `0x00 0xFF`, then `0x00`).
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";

/** A key's row: its expiry in milliseconds since the epoch, or null when it never expires. */
export interface KvRow {
  expiresAt: number | null;
}

function encodeKey(key: readonly string[]): Uint8Array {
  const bytes: number[] = [];
  for (const part of key) {
    bytes.push(0x02);
    for (const b of new TextEncoder().encode(part)) {
      bytes.push(b);
      if (b === 0x00) bytes.push(0xff);
    }
    bytes.push(0x00);
  }
  return new Uint8Array(bytes);
}

/** The row of `key` in the KV file at `path`, or null when there is none. */
export function readKvRow(path: string, key: readonly string[]): KvRow | null {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const row = db.prepare("SELECT expiration_ms FROM kv WHERE k = ?").get(encodeKey(key)) as
      | { expiration_ms: number }
      | undefined;
    if (row === undefined) return null;
    return { expiresAt: row.expiration_ms < 0 ? null : row.expiration_ms };
  } finally {
    db.close();
  }
}
