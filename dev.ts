/**
 * `deno task dev`: rebuilds the browser bundles, then serves like main.ts. The task runs
 * this file under `--watch`, so any change to routes, islands or lib restarts both.
 *
 * @module
 */
import { build } from "./framework/builder.ts";
import { ENTRIES } from "./build.ts";
import { readEnv } from "./main.ts";
import { loadConfig } from "@/lib/server/config.ts";
import { startApp } from "./app.ts";

const assets = await build({ entries: ENTRIES, minify: false });
await startApp(loadConfig({ LOG_LEVEL: "debug", ...await readEnv() }), { assets });
