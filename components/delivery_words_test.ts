import { deepEqual, equal, match } from "node:assert/strict";
import { NO_DELIVERY } from "@/lib/shared/delivery.ts";
import { fixtureDelivery } from "./_fixture_deliveries.ts";
import { cardRows, copyFailed } from "./delivery_words.ts";

Deno.test("cardRows() reads a recorded turn: pace, pauses, loudness and pitch variety", async () => {
  // JFK: 29 syllables in 7.04 s of speech, five pauses, the longest 1.17 s.
  const rows = cardRows(await fixtureDelivery("jfk.wav"));
  deepEqual(rows?.map((r) => [r.key, r.label]), [
    ["pace", "Pace"],
    ["pauses", "Pauses"],
    ["loudness", "Loudness"],
    ["pitch", "Pitch variety"],
  ]);
  equal(rows?.[0].value, "4.1 syllables/s · about 160 words a minute · comfortable");
  equal(rows?.[1].value, "5 pauses, longest 1.2 s");
  equal(rows?.[2].value, "\u221215.0 dBFS");
  equal(rows?.[3].value, "8.4 semitones");
  equal(rows?.[3].flag, null);
});

Deno.test("cardRows() flags a monotone turn and says when there were no pauses", async () => {
  // "eight of spades four of clubs seven of hearts", read on one note (1.9 semitones).
  const rows = cardRows(await fixtureDelivery("cards_005.wav"));
  equal(rows?.[3].flag, "monotone");
  match(rows?.[3].value ?? "", /^1\.9 semitones$/);
  equal(rows?.[1].value, "none");
});

Deno.test("cardRows() has no rows for a turn without speech, and says when nothing was voiced", () => {
  equal(cardRows({ ...NO_DELIVERY }), null);
  const unvoiced = cardRows({
    ...NO_DELIVERY,
    speechSeconds: 1.2,
    syllables: 3,
    syllablesPerSecond: 2.5,
    pauses: 1,
    longestPauseSeconds: 0.4,
    loudnessDbfs: -30,
  });
  equal(unvoiced?.[3].value, "no voiced speech");
  equal(unvoiced?.[3].flag, null);
  equal(unvoiced?.[1].value, "1 pause, longest 0.4 s");
  equal(unvoiced?.[0].value, "2.5 syllables/s · about 100 words a minute · slow");
});

Deno.test("copyFailed() names the reason and the way out", () => {
  equal(
    copyFailed(new DOMException("Document is not focused.", "NotAllowedError")),
    "Cannot copy to the clipboard: Document is not focused; use Download Markdown instead.",
  );
});
