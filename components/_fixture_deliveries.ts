/**
 * Real `Delivery` values for the components' tests: recorded speech fixtures
 * (tests/fixtures/delivery/, 24 kHz mono) measured by `analyzeDelivery`.
 *
 * @module
 */
import { analyzeDelivery, type Delivery } from "@/lib/shared/delivery.ts";
import { pcm16ToFloat } from "@/lib/shared/pcm16.ts";
import { readFixturePcm } from "@/testing/fixtures.ts";

/** The delivery of the fixture `delivery/<name>`. */
export async function fixtureDelivery(name: string): Promise<Delivery> {
  return analyzeDelivery(pcm16ToFloat(await readFixturePcm(`delivery/${name}`)), 24_000);
}
