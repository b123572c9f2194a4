import { deepEqual, equal, throws } from "node:assert/strict";
import { fixed, intOption, readFlags, table } from "./_report.ts";

Deno.test("fixed() rounds figures and shows a dash for what was not measured", () => {
  equal(fixed(1.234), "1.23");
  equal(fixed(1.5, 0), "2");
  equal(fixed(NaN), "–");
});

Deno.test("table() writes a Markdown table", () => {
  equal(table(["a", "b"], [["1", "2"]]), "| a | b |\n| --- | --- |\n| 1 | 2 |");
});

Deno.test("intOption() reads an integer option, its fallback, or refuses", () => {
  equal(intOption("sessions", undefined, 100), 100);
  equal(intOption("sessions", "20", 100), 20);
  equal(intOption("warmup", "0", 2, 0), 0);
  throws(
    () => intOption("sessions", "0", 100),
    /Cannot read --sessions: "0" is not an integer >= 1/,
  );
  throws(() => intOption("sessions", "2.5", 100), RangeError);
  throws(() => intOption("sessions", " ", 100), RangeError);
});

Deno.test("readFlags() reads the named options, boolean ones false when absent, and refuses others", () => {
  const names = { string: ["sessions", "warmup-minutes"], boolean: ["json"] };
  deepEqual({ ...readFlags(names, ["--sessions", "20", "--json"]) }, {
    sessions: "20",
    json: true,
  });
  deepEqual({ ...readFlags(names, ["--warmup-minutes=1.5"]) }, {
    "warmup-minutes": "1.5",
    json: false,
  });
  deepEqual({ ...readFlags({ string: ["minutes"] }, []) }, {});
  throws(() => readFlags(names, ["--bogus", "1"]), TypeError);
  throws(() => readFlags({ string: ["minutes"] }, ["--json"]), TypeError);
  throws(() => readFlags(names, ["extra"]), TypeError);
});
