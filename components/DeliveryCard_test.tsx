import { equal, match } from "node:assert/strict";
import { signal } from "@preact/signals";
import { renderToString } from "preact-render-to-string";
import { type Delivery, NO_DELIVERY } from "@/lib/shared/delivery.ts";
import { fixtureDelivery } from "./_fixture_deliveries.ts";
import { DeliveryCard, TurnDelivery } from "./DeliveryCard.tsx";
import { CARD_LABEL, NO_SPEECH } from "./delivery_words.ts";

/** How many times `pattern` occurs in `html`. */
function occurrences(html: string, pattern: RegExp): number {
  return html.match(new RegExp(pattern.source, "g"))?.length ?? 0;
}

Deno.test("<DeliveryCard> shows a recorded turn's four figures as a labelled list", async () => {
  const html = renderToString(<DeliveryCard delivery={await fixtureDelivery("jfk.wav")} />);
  match(
    html,
    new RegExp(
      `^<div class="delivery-card" data-testid="delivery-card" role="group" aria-label="${CARD_LABEL}"><dl>`,
    ),
  );
  equal(occurrences(html, /<dt>/), 4);
  match(html, /<dt>Pace<\/dt><dd>4\.1 syllables\/s · about 160 words a minute · comfortable<\/dd>/);
  match(html, /<dt>Pauses<\/dt><dd>5 pauses, longest 1\.2 s<\/dd>/);
  match(html, /<dt>Loudness<\/dt><dd>\u221215\.0 dBFS<\/dd>/);
  match(html, /<dt>Pitch variety<\/dt><dd>8\.4 semitones<\/dd>/);
  equal(html.includes("delivery-flag"), false);
});

Deno.test("<DeliveryCard> flags a monotone turn", async () => {
  const html = renderToString(<DeliveryCard delivery={await fixtureDelivery("cards_005.wav")} />);
  match(html, /<dd>1\.9 semitones<strong class="delivery-flag">monotone<\/strong><\/dd>/);
});

Deno.test("<DeliveryCard> says briefly that a turn had no speech", () => {
  const html = renderToString(<DeliveryCard delivery={{ ...NO_DELIVERY }} />);
  equal(
    html,
    `<p class="delivery-card delivery-empty" data-testid="delivery-card" data-speech="none">${NO_SPEECH}</p>`,
  );
});

Deno.test("<TurnDelivery> shows the card of its own turn once it is measured", async () => {
  const deliveries = signal<ReadonlyMap<string, Delivery>>(new Map());
  equal(renderToString(<TurnDelivery deliveries={deliveries} itemId="item_1" />), "");
  deliveries.value = new Map([
    ["item_1", await fixtureDelivery("librivox_0880.wav")],
    ["item_2", { ...NO_DELIVERY }],
  ]);
  const first = renderToString(<TurnDelivery deliveries={deliveries} itemId="item_1" />);
  match(first, /data-testid="delivery-card" role="group"/);
  match(first, /3\.5 syllables\/s/);
  match(
    renderToString(<TurnDelivery deliveries={deliveries} itemId="item_2" />),
    /delivery-empty/,
  );
  equal(renderToString(<TurnDelivery deliveries={deliveries} itemId="item_3" />), "");
});
