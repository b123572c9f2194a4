/**
 * `useHydrated()`: false on the server and during hydration, true after the island's first
 * effect. Preact's `hydrate` does not patch attributes, so a control rendered
 * `disabled={!hydrated}` is enabled by the re-render this triggers (Fresh's `IS_BROWSER`
 * pattern, made to survive hydration).
 *
 * @module
 */
import { useEffect, useState } from "preact/hooks";

export function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}
