import { equal, match } from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { NO_DELIVERY } from "@/lib/shared/delivery.ts";
import { summarizeSession, summaryRows } from "@/lib/shared/delivery_summary.ts";
import { fixtureDelivery } from "./_fixture_deliveries.ts";
import { SUMMARY } from "./delivery_words.ts";
import { SessionSummary } from "./SessionSummary.tsx";

const FILES = ["librivox_0870.wav", "jfk.wav", "cards_005.wav", "librivox_0930.wav"];

Deno.test("<SessionSummary> shows every figure of a recorded session under its heading", async () => {
  const turns = await Promise.all(FILES.map(fixtureDelivery));
  const summary = summarizeSession([...turns, { ...NO_DELIVERY }]);
  const html = renderToString(<SessionSummary summary={summary} />);
  match(
    html,
    /^<section class="session-summary" data-testid="session-summary" aria-labelledby="session-summary-title"><h2 id="session-summary-title">Session summary<\/h2>/,
  );
  const rows = summaryRows(summary);
  equal(rows.length, 6);
  for (const row of rows) {
    const escaped = row.value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    match(html, new RegExp(`data-key="${row.key}"><dt>${row.label}</dt><dd>${escaped}</dd>`));
  }
  match(html, /Talk time<\/dt><dd>\d+\.\d s over 5 turns</);
  match(html, /Longest pause<\/dt><dd>1\.2 s \(5 pauses in all\)</);
  match(html, /Trend<\/dt><dd>(speeding up|slowing down|steady): /);
  match(
    html,
    /Loudness<\/dt><dd>\u2212\d+\.\d dBFS on average, \d+\.\d dB between turns — (steady|varied)</,
  );
});

Deno.test("<SessionSummary> has the copy and download buttons and a status line", async () => {
  const summary = summarizeSession([await fixtureDelivery("goforward.wav")]);
  const html = renderToString(<SessionSummary summary={summary} />);
  for (
    const [testid, label] of [
      ["summary-copy", SUMMARY.copy],
      ["summary-download-md", SUMMARY.downloadMarkdown],
      ["summary-download-json", SUMMARY.downloadJson],
    ]
  ) {
    match(
      html,
      new RegExp(`<button\\s+type="button" data-testid="${testid}"\\s*>${label}</button>`),
    );
  }
  match(html, /<p class="summary-status" role="status" data-testid="summary-status"><\/p>/);
  match(html, /Trend<\/dt><dd>needs at least 3 turns with speech</);
  match(html, /Loudness<\/dt><dd>\u221229\.9 dBFS \(one turn with speech: nothing to compare\)</);
});
