import { equal, throws } from "node:assert/strict";
import { fixed, intOption, table } from "./_report.ts";

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
