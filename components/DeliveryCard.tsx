/**
 * The delivery card under a user turn: pace, pauses, loudness and pitch variety, measured on
 * the page from the audio the turn was made of (`lib/client/delivery_turns.ts`). A turn
 * without speech says so in one line. Styles: `static/delivery.css`.
 *
 * @module
 */
import type { ReadonlySignal } from "@preact/signals";
import type { Delivery } from "@/lib/shared/delivery.ts";
import { CARD_LABEL, cardRows, NO_SPEECH } from "./delivery_words.ts";

/** The card of one measured turn. */
export function DeliveryCard({ delivery }: { delivery: Delivery }) {
  const rows = cardRows(delivery);
  if (!rows) {
    return (
      <p class="delivery-card delivery-empty" data-testid="delivery-card" data-speech="none">
        {NO_SPEECH}
      </p>
    );
  }
  return (
    <div class="delivery-card" data-testid="delivery-card" role="group" aria-label={CARD_LABEL}>
      <dl>
        {rows.map((row) => (
          <div key={row.key} class="delivery-row" data-key={row.key}>
            <dt>{row.label}</dt>
            <dd>
              {row.value}
              {row.flag && <strong class="delivery-flag">{row.flag}</strong>}
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

/**
 * The card of the turn `itemId`, once it is measured: reads only the `deliveries` signal, so a
 * new measurement redraws the cards and not the transcript around them.
 */
export function TurnDelivery(
  { deliveries, itemId }: {
    deliveries: ReadonlySignal<ReadonlyMap<string, Delivery>>;
    itemId: string;
  },
) {
  const delivery = deliveries.value.get(itemId);
  return delivery ? <DeliveryCard delivery={delivery} /> : null;
}
