/**
 * axe-core in a Playwright page: loads the engine into the page (through the debugging
 * protocol, so the page's Content-Security-Policy does not stop it) and returns the serious
 * and critical violations, each in one readable line.
 *
 * @module
 */
import axe from "axe-core";
import type { Page } from "playwright-core";

/** The engine's source, as the package ships it. */
const AXE_SOURCE: string = (axe as unknown as { source: string }).source;

/** The impacts a test fails on. */
export const BLOCKING_IMPACTS: readonly string[] = ["serious", "critical"];

/** One violation: the rule, its impact, what it says, and the elements it found. */
export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/** The serious and critical violations on `page` as it is now (axe is loaded once per page). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => "axe" in globalThis);
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const engine = (globalThis as unknown as {
      axe: {
        run(
          context: Document,
          options: { resultTypes: string[] },
        ): Promise<{
          violations: {
            id: string;
            impact: string | null;
            help: string;
            nodes: { target: unknown[] }[];
          }[];
        }>;
      };
    }).axe;
    const results = await engine.run(document, { resultTypes: ["violations"] });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? "unknown",
      help: v.help,
      targets: v.nodes.map((n) => n.target.map(String).join(" ")),
    }));
  });
  return violations.filter((v) => BLOCKING_IMPACTS.includes(v.impact));
}

/** The violations as lines for an assertion message. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.targets.join(", ")})`)
    .join("\n");
}
