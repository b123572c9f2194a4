import { equal, match } from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { createVoiceStore } from "@/lib/client/voice_store.ts";
import { DiagnosticsPanel } from "./diagnostics_panel.tsx";

Deno.test("<DiagnosticsPanel> says each check's verdict in words and shows the conversation", () => {
  const store = createVoiceStore();
  store.ready.value = true;
  store.conversationId.value = "conv_abc";
  const html = renderToString(
    <DiagnosticsPanel store={store} actions={{ setRawInput() {} }} upstream="local" />,
  );
  match(html, /data-testid="conversation-id">conv_abc</);
  // Every check says its verdict in words (before any frame most wait); the glyph is decoration.
  const verdicts = html.match(/class="verdict"[^>]*>(Pass|Fail|Not yet)</g) ?? [];
  equal(verdicts.length, store.checks.value.length);
  equal(
    verdicts.filter((v) => v.endsWith(">Not yet<")).length,
    store.checks.value.filter((c) => c.ok === null).length,
  );
  match(html, /<span aria-hidden="true">○<\/span>/);
  match(html, /data-testid="raw-input"/);
});
