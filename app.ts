/**
 * The app assembled at the top: the route manifest (`routes/`) turned into a request handler
 * (`framework/`) and served with the server's services (`lib/server/`). The one place that
 * joins them, so that `lib/` never reaches up into `routes/`. main.ts, dev.ts, the tests and
 * the benchmarks start the server here.
 *
 * @module
 */
import { createApp } from "@/framework/app.ts";
import type { Config } from "@/lib/server/config.ts";
import { type RunningServer, type ServerOptions, startServer } from "@/lib/server/server.ts";
import { manifest } from "@/routes/_manifest.ts";

export type { RunningServer, ServerOptions };

/** Serves every route of `routes/_manifest.ts` with the services `config` describes. */
export function startApp(
  config: Readonly<Config>,
  options: ServerOptions = {},
): Promise<RunningServer> {
  return startServer(
    config,
    (state) => createApp(manifest, { state, assets: state.assets }),
    options,
  );
}
