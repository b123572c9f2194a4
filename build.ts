/**
 * `deno task build`: bundles the islands client and the audio worklets into `_fresh/`.
 * With `--if-missing` (used by `deno task start`) it does nothing when a build exists.
 *
 * @module
 */
import { build, readAssets } from "./framework/builder.ts";

/** Browser entry points: the islands client and each AudioWorklet module. */
export const ENTRIES: Record<string, string> = {
  "client.js": "islands/_client.ts",
  "capture_worklet.js": "lib/client/capture_worklet.ts",
  "playback_worklet.js": "lib/client/playback_worklet.ts",
};

if (import.meta.main) {
  if (Deno.args.includes("--if-missing") && await readAssets()) Deno.exit(0);
  const started = performance.now();
  const assets = await build({ entries: ENTRIES });
  // deno-lint-ignore no-console
  console.log(
    `Built ${Object.keys(assets).length} bundles in ${Math.round(performance.now() - started)} ms`,
  );
}
