import { deepEqual, equal, throws } from "node:assert/strict";
import fc from "fast-check";
import {
  base64ByteLength,
  decodeBase64,
  decodeBase64Fallback,
  encodeBase64,
  encodeBase64Fallback,
} from "./base64.ts";

const VECTORS: [string, string][] = [
  // RFC 4648 §10
  ["", ""],
  ["f", "Zg=="],
  ["fo", "Zm8="],
  ["foo", "Zm9v"],
  ["foob", "Zm9vYg=="],
  ["fooba", "Zm9vYmE="],
  ["foobar", "Zm9vYmFy"],
];

for (
  const [name, encode, decode] of [
    ["native", encodeBase64, decodeBase64],
    ["fallback", encodeBase64Fallback, decodeBase64Fallback],
  ] as const
) {
  Deno.test(`${name} base64 matches the RFC 4648 vectors`, () => {
    for (const [plain, encoded] of VECTORS) {
      const bytes = new TextEncoder().encode(plain);
      equal(encode(bytes), encoded);
      deepEqual(decode(encoded), bytes);
    }
  });

  Deno.test(`${name} encodeBase64() honours a view's byteOffset and length`, () => {
    const whole = Uint8Array.from([0, 1, 2, 0xfb, 0xff, 0xfe, 9, 9]);
    equal(encode(whole.subarray(3, 6)), "+//+");
  });

  Deno.test(`${name} decodeBase64() throws SyntaxError on invalid text`, () => {
    for (const bad of ["a", "Zg=", "Zg===", "Z===", "Zm9v!", "Zg==Zg==", "Zm9-", "Zm9_", "é"]) {
      throws(() => decode(bad), SyntaxError, bad);
    }
  });

  Deno.test(`${name} decodeBase64() accepts missing padding and whitespace`, () => {
    deepEqual(decode("Zm8"), new TextEncoder().encode("fo"));
    deepEqual(decode(" Zm9v\nYg = = "), new TextEncoder().encode("foob"));
  });
}

Deno.test("base64 round-trips any bytes, both implementations", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
      const text = encodeBase64(bytes);
      equal(encodeBase64Fallback(bytes), text);
      deepEqual(decodeBase64(text), bytes);
      deepEqual(decodeBase64Fallback(text), bytes);
    }),
  );
});

Deno.test("the fallback decoder accepts and rejects exactly what the native one does", () => {
  const chars = fc.constantFrom(..."AZaz09+/=  \n-_!QgR".split(""));
  fc.assert(
    fc.property(fc.array(chars, { maxLength: 16 }).map((a) => a.join("")), (text) => {
      let native: Uint8Array | SyntaxError;
      let fallback: Uint8Array | SyntaxError;
      try {
        native = decodeBase64(text);
      } catch (e) {
        native = e as SyntaxError;
      }
      try {
        fallback = decodeBase64Fallback(text);
      } catch (e) {
        fallback = e as SyntaxError;
      }
      equal(fallback instanceof SyntaxError, native instanceof SyntaxError, text);
      if (!(native instanceof SyntaxError)) deepEqual(fallback, native, text);
    }),
    { numRuns: 5000 },
  );
});

Deno.test("base64ByteLength() accepts and rejects exactly what decodeBase64() does", () => {
  const chars = fc.constantFrom(..."AZaz09+/=  \n\t-_!QgRé".split(""));
  fc.assert(
    fc.property(fc.array(chars, { maxLength: 24 }).map((a) => a.join("")), (text) => {
      let decoded: number | "invalid";
      let counted: number | "invalid";
      try {
        decoded = decodeBase64(text).length;
      } catch {
        decoded = "invalid";
      }
      try {
        counted = base64ByteLength(text);
      } catch (e) {
        equal(e instanceof SyntaxError, true);
        counted = "invalid";
      }
      equal(counted, decoded, JSON.stringify(text));
    }),
    { numRuns: 10_000 },
  );
  equal(base64ByteLength(encodeBase64(new Uint8Array(960))), 960);
});
