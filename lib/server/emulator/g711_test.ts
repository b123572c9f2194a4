import { equal, ok } from "node:assert/strict";
import {
  aLawToLinear,
  encodeG711,
  G711Decoder,
  linearToALaw,
  linearToMuLaw,
  muLawToLinear,
} from "./g711.ts";

Deno.test("μ-law and A-law decode every code back to itself", () => {
  for (let code = 0; code < 256; code++) {
    const mu = muLawToLinear(code);
    // μ-law has two zeros (0x7f and 0xff); both decode to 0.
    if (mu !== 0) equal(linearToMuLaw(mu), code, `μ ${code}`);
    equal(linearToALaw(aLawToLinear(code)), code, `A ${code}`);
  }
});

Deno.test("G.711 quantisation error stays within the segment step", () => {
  for (let sample = -32768; sample <= 32767; sample += 7) {
    const mu = muLawToLinear(linearToMuLaw(sample));
    const a = aLawToLinear(linearToALaw(sample));
    const limit = Math.max(16, Math.abs(sample) / 16);
    ok(Math.abs(mu - sample) <= limit + 132, `μ ${sample} → ${mu}`);
    ok(Math.abs(a - sample) <= limit, `A ${sample} → ${a}`);
  }
});

Deno.test("G711Decoder triples the rate and a split stream decodes the same", () => {
  const bytes = Uint8Array.from(
    { length: 99 },
    (_, i) => linearToMuLaw(Math.round(5000 * Math.sin(i / 4))),
  );
  const whole = new G711Decoder("mu").decode(bytes);
  equal(whole.length, 99 * 3 * 2);
  const split = new G711Decoder("mu");
  const a = split.decode(bytes.subarray(0, 40));
  const b = split.decode(bytes.subarray(40));
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  equal(joined.join(), whole.join());
  // Decoding then encoding gives the input back, close to the code.
  const back = encodeG711(whole, "mu");
  equal(back.length, 99);
  let far = 0;
  for (let i = 0; i < 99; i++) {
    if (Math.abs(muLawToLinear(back[i]) - muLawToLinear(bytes[i])) > 600) far++;
  }
  ok(far <= 3, `${far} samples far off`);
});
