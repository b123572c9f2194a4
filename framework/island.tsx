/**
 * Island marking (server) and registry (both sides).
 *
 * `defineIsland("Name", Component)` returns a component that, on the server, renders the
 * component inside `<div data-island="Name" data-island-id="N">` and writes its props as JSON
 * into `<script type="application/json" data-island-props="N">` just before it. In the browser
 * it returns the bare component, and `hydrateIslands()` (client.ts) finds the markers and
 * hydrates each one with its props. Props must be JSON-serializable, as in Fresh.
 *
 * @module
 */
import type { ComponentType, JSX } from "preact";
import { IS_BROWSER } from "./is_browser.ts";

/** Components by island name, for hydration. */
export const ISLANDS = new Map<string, ComponentType<Record<string, unknown>>>();

let nextId = 0;

/** Escapes JSON so it cannot close the `<script>` element it sits in. */
export function serializeProps(props: unknown): string {
  return JSON.stringify(props ?? {}).replace(/</g, "\\u003c").replace(
    /\u2028|\u2029/g,
    (c) => c === "\u2028" ? "\\u2028" : "\\u2029",
  );
}

export function defineIsland<P extends Record<string, unknown>>(
  name: string,
  Component: ComponentType<P>,
): ComponentType<P> {
  if (ISLANDS.has(name)) throw new TypeError(`Cannot define island ${name}: the name is taken`);
  ISLANDS.set(name, Component as ComponentType<Record<string, unknown>>);
  if (IS_BROWSER) return Component;
  function Island(props: P): JSX.Element {
    const id = String(nextId++);
    return (
      <>
        {/* The props JSON is escaped by serializeProps, so it cannot break out of <script>. */}
        <script
          type="application/json"
          data-island-props={id}
          // deno-lint-ignore react-no-danger
          dangerouslySetInnerHTML={{ __html: serializeProps(props) }}
        />
        <div data-island={name} data-island-id={id} class="island">
          <Component {...props} />
        </div>
      </>
    );
  }
  Island.displayName = `Island(${name})`;
  return Island;
}
