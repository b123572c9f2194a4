/**
 * The session summary shown after Stop: talk time, average pace, longest pause, pitch
 * variety, loudness and the trend over the session, with "Copy as Markdown" (the clipboard)
 * and downloads of the Markdown and the JSON (a `Blob` behind a link with `download`). The
 * figures and their words come from `lib/shared/delivery_summary.ts`. Styles:
 * `static/delivery.css`.
 *
 * @module
 */
import { useState } from "preact/hooks";
import {
  type SessionSummary as Summary,
  summaryJson,
  summaryMarkdown,
  summaryRows,
} from "@/lib/shared/delivery_summary.ts";
import { copyFailed, SUMMARY } from "./delivery_words.ts";

export interface SessionSummaryProps {
  summary: Summary;
  /**
   * The downloaded files' name without its extension.
   * @default "voice-coach-summary"
   */
  fileName?: string;
}

/** How long a download's object URL is kept once the link was clicked. */
const REVOKE_AFTER_MS = 60_000;

/** Saves `text` as a file: a `Blob` URL behind a link with `download`, clicked once. */
function saveFile(text: string, type: string, name: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later, not at once: some browsers read the URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}

/** The two downloads: what each button saves, and as what. */
function downloads(summary: Summary) {
  return [
    {
      testid: "summary-download-md",
      label: SUMMARY.downloadMarkdown,
      text: () => summaryMarkdown(summary),
      type: "text/markdown;charset=utf-8",
      extension: "md",
    },
    {
      testid: "summary-download-json",
      label: SUMMARY.downloadJson,
      text: () => summaryJson(summary),
      type: "application/json;charset=utf-8",
      extension: "json",
    },
  ];
}

export function SessionSummary({ summary, fileName = SUMMARY.fileName }: SessionSummaryProps) {
  const [status, setStatus] = useState("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(summaryMarkdown(summary));
      setStatus(SUMMARY.copied);
    } catch (error) {
      setStatus(copyFailed(error));
    }
  };
  return (
    <section
      class="session-summary"
      data-testid="session-summary"
      aria-labelledby="session-summary-title"
    >
      <h2 id="session-summary-title">{SUMMARY.title}</h2>
      <dl>
        {summaryRows(summary).map((row) => (
          <div key={row.key} class="summary-row" data-key={row.key}>
            <dt>{row.label}</dt>
            <dd>{row.value}</dd>
          </div>
        ))}
      </dl>
      <div class="summary-actions">
        <button type="button" data-testid="summary-copy" onClick={copy}>{SUMMARY.copy}</button>
        {downloads(summary).map(({ testid, label, text, type, extension }) => (
          <button
            key={testid}
            type="button"
            data-testid={testid}
            onClick={() => saveFile(text(), type, `${fileName}.${extension}`)}
          >
            {label}
          </button>
        ))}
      </div>
      <p class="summary-status" role="status" data-testid="summary-status">{status}</p>
    </section>
  );
}
