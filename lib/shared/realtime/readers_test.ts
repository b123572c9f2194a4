import { equal, throws } from "node:assert/strict";
import {
  describeJsonType,
  MAX_JSON_DEPTH,
  quoteList,
  readFields,
  readInteger,
  readJson,
  readString,
} from "./readers.ts";

Deno.test("quoteList() formats GA's supported-values list", () => {
  equal(quoteList(["inf"]), "'inf'");
  equal(quoteList(["auto", "none"]), "'auto' and 'none'");
  equal(quoteList(["a", "b", "c"]), "'a', 'b', and 'c'");
});

Deno.test("describeJsonType() names JSON types as GA messages do", () => {
  const cases: [unknown, string][] = [
    ["x", "a string"],
    [3, "an integer"],
    [-0, "an integer"],
    [3.5, "a decimal"],
    [1e300, "a decimal"],
    [true, "a boolean"],
    [null, "null"],
    [[], "an array"],
    [{}, "an object"],
  ];
  for (const [value, name] of cases) equal(describeJsonType(value), name);
});

Deno.test("readFields() reports the first unknown key in the client's order, then the first missing one", () => {
  const readers = { a: readString, b: readInteger(0) };
  const required = ["a", "b"];
  throws(() => readFields({ z: 1, a: 3 }, "x", readers, required), {
    code: "unknown_parameter",
    param: "x.z",
  });
  throws(() => readFields({ a: 3, z: 1 }, "x", readers, required), {
    code: "invalid_type",
    param: "x.a",
  });
  throws(() => readFields({ b: 1 }, "x", readers, required), {
    code: "missing_required_parameter",
    param: "x.a",
    message: "Missing required parameter: 'x.a'.",
  });
  throws(() => readFields([], "x", readers), { code: "invalid_type", param: "x" });
  const read = readFields<{ a: string; b: number }>({ b: 2, a: "s" }, "", readers, required);
  equal(JSON.stringify(read), '{"b":2,"a":"s"}');
});

Deno.test("readJson() takes MAX_JSON_DEPTH levels of nesting, refuses one more, and never overflows", () => {
  let value: unknown = {};
  for (let depth = 1; depth < MAX_JSON_DEPTH; depth++) value = [value];
  equal(readJson(value, "p"), value);
  throws(() => readJson({ a: value }, "p"), { code: "invalid_value", param: "p" });
  let hostile: unknown = 1;
  for (let i = 0; i < 1_000_000; i++) hostile = [hostile];
  throws(() => readJson(hostile, "p"), { name: "InvalidRequestError" });
});
