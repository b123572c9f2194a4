/**
 * The Diagnostics panel of the voice island: the answer times, the conversation id, the wire
 * figures and checks (pass or fail in words), the devices and the session's usage. Each part
 * reads only its own signals, so the panel redraws when a figure changes and at no other time.
 *
 * @module
 */
import type { VoiceStore } from "@/lib/client/voice_store.ts";
import { deviceRows, verdict } from "./a11y_words.ts";
import { isReady, isRunning } from "./part_state.ts";
import { describeCheck, DIAGNOSTIC_ROWS, latencyLine, usageRows } from "./voice_words.ts";

/** What the panel needs of the island. */
export interface DiagnosticsPanelProps {
  store: VoiceStore;
  actions: { setRawInput(on: boolean): void };
  /** Which upstream the server relays to, shown among the devices. @default "" */
  upstream?: string;
}

/** Where the coach runs and which microphone is open: redraws on device changes only. */
function DeviceDetails({ store, upstream }: { store: VoiceStore; upstream: string }) {
  return (
    <dl class="device-details">
      {deviceRows(store.devices.value, upstream).map(([key, label, value]) => (
        <div key={key}>
          <dt>{label}</dt>
          <dd data-testid={`diag-${key}`}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Answer times and the conversation id: redraws when a turn is measured or a resume. */
function TurnTimes({ store }: { store: VoiceStore }) {
  return (
    <>
      <p class="latency" data-testid="latency">{latencyLine(store.latency.value)}</p>
      <p class="conversation">
        Conversation:{" "}
        <code data-testid="conversation-id">{store.conversationId.value ?? "none yet"}</code>
      </p>
    </>
  );
}

/** What this session used, by kind: redraws on `relay.usage` only. */
function UsageDetails({ store }: { store: VoiceStore }) {
  const usage = store.usage.value;
  if (!usage) return null;
  return (
    <dl class="usage-details" data-testid="usage-details">
      {usageRows(usage).map(([key, label, value]) => (
        <div key={key}>
          <dt>{label}</dt>
          <dd data-testid={`usage-${key}`}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The wire figures and checks: redraws when a figure changes (read a few times a second). */
export function DiagnosticsPanel({ store, actions, upstream = "" }: DiagnosticsPanelProps) {
  const d = store.diagnostics.value;
  const ready = isReady(store);
  const running = isRunning(store.state.value);
  return (
    <details class="diagnostics" data-testid="diagnostics">
      <summary>Diagnostics</summary>
      <TurnTimes store={store} />
      <dl>
        {DIAGNOSTIC_ROWS.map(([key, label, show]) => (
          <div key={key}>
            <dt>{label}</dt>
            <dd data-testid={`diag-${key}`} data-value={String(d[key] ?? "")}>{show(d)}</dd>
          </div>
        ))}
      </dl>
      <DeviceDetails store={store} upstream={upstream} />
      <UsageDetails store={store} />
      <label class="raw">
        <input
          type="checkbox"
          data-testid="raw-input"
          checked={store.controls.value.rawInput}
          disabled={!ready || running}
          onChange={(e) => actions.setRawInput((e.target as HTMLInputElement).checked)}
        />
        Raw microphone (no echo cancellation, noise suppression or gain control; applies at the next
        start)
      </label>
      <ul class="checks">
        {store.checks.value.map((check) => {
          const { label, detail } = describeCheck(check);
          return (
            <li key={check.type} class={check.ok === null ? "pending" : check.ok ? "pass" : "fail"}>
              <span aria-hidden="true">{check.ok === null ? "○" : check.ok ? "✔" : "✘"}</span>{" "}
              <span class="verdict" data-testid={`check-${check.type}`}>{verdict(check.ok)}</span>
              {": "}
              {label} <small>({detail})</small>
            </li>
          );
        })}
      </ul>
    </details>
  );
}
