import { equal, match, ok } from "node:assert/strict";
import { ID_RANDOM_LENGTH, type IdPrefix, newId } from "./ids.ts";

const PREFIXES: IdPrefix[] = ["event", "item", "resp", "sess", "conv", "relay"];
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Replaces `crypto.getRandomValues` with one that hands out `stream` in order, then zeros. */
function withRandomBytes(stream: number[], run: () => void): void {
  const original = crypto.getRandomValues;
  let next = 0;
  const fake = <T extends ArrayBufferView | null>(array: T): T => {
    const bytes = array as unknown as Uint8Array;
    for (let i = 0; i < bytes.length; i++) bytes[i] = next < stream.length ? stream[next++] : 0;
    return array;
  };
  crypto.getRandomValues = fake as typeof crypto.getRandomValues;
  try {
    run();
  } finally {
    crypto.getRandomValues = original;
  }
}

Deno.test("newId() returns the prefix, an underscore and 21 base62 characters", () => {
  equal(ID_RANDOM_LENGTH, 21);
  for (const prefix of PREFIXES) {
    for (let i = 0; i < 200; i++) {
      match(newId(prefix), new RegExp(`^${prefix}_[0-9A-Za-z]{21}$`));
    }
  }
});

Deno.test("newId() does not repeat over 50,000 draws", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50_000; i++) seen.add(newId("event"));
  equal(seen.size, 50_000);
});

Deno.test("newId() skips bytes 248-255 and maps the rest by byte % 62", () => {
  // 255, 250 and 248 would alias '7', '2' and '0' under plain modulo; they must be dropped.
  const stream = [255, 0, 250, 61, 248, 62, 247, 10, 36, 123, 124, 185, 186, 200, 201, 202, 203];
  let id = "";
  withRandomBytes(stream, () => id = newId("resp"));
  // Kept: 0 61 62 247 10 36 123 124 185 186 200 201 202 203, then zeros from the fake.
  const kept = [0, 61, 62, 247, 10, 36, 123, 124, 185, 186, 200, 201, 202, 203];
  const expected = kept.map((b) => ALPHABET[b % 62]).join("").padEnd(21, "0");
  equal(id, "resp_" + expected);
});

Deno.test("newId() draws again when a whole batch of bytes is rejected", () => {
  let id = "";
  withRandomBytes(new Array(25).fill(255).concat([1, 2, 3]), () => id = newId("item"));
  equal(id, "item_123" + "0".repeat(18));
});

Deno.test("newId() characters are uniform (chi-square, no modulo bias)", () => {
  const counts = new Map<string, number>();
  const ids = 20_000;
  for (let i = 0; i < ids; i++) {
    for (const ch of newId("conv").slice(5)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  equal(counts.size, 62);
  const expected = (ids * 21) / 62;
  let chiSquare = 0;
  for (const count of counts.values()) chiSquare += (count - expected) ** 2 / expected;
  // 61 degrees of freedom: mean 61, sd 11. A modulo-biased generator scores in the thousands;
  // 150 is eight standard deviations out, so a fair generator fails about never.
  ok(chiSquare < 150, `chi-square ${chiSquare.toFixed(1)} too large`);
});
