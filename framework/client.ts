/**
 * Browser side of the islands glue: hydrates every `[data-island]` marker written by
 * `defineIsland` on the server. Import the island modules first so they register.
 *
 * @module
 */
import { h, hydrate } from "preact";
import { ISLANDS } from "./island.tsx";

export function hydrateIslands(root: ParentNode = document): void {
  for (const el of root.querySelectorAll<HTMLElement>("[data-island]")) {
    const name = el.dataset.island!;
    const Component = ISLANDS.get(name);
    if (!Component) {
      // deno-lint-ignore no-console
      console.error(`Cannot hydrate island ${name}: it is not in the client bundle`);
      continue;
    }
    const script = root.querySelector(`script[data-island-props="${el.dataset.islandId}"]`);
    const props = JSON.parse(script?.textContent || "{}");
    hydrate(h(Component, props), el);
    el.dataset.hydrated = "true";
  }
}
