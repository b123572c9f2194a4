/**
 * The route table (Fresh generates this as `fresh.gen.ts`; here it is one line per file).
 *
 * @module
 */
import type { Manifest } from "@/framework/types.ts";
import type { AppState } from "@/lib/server/state.ts";
import App from "./_app.tsx";
import * as index from "./index.tsx";
import * as healthz from "./healthz.ts";
import * as metrics from "./metrics.ts";
import * as session from "./api/session.ts";
import * as access from "./api/access.ts";
import * as relay from "./api/relay.ts";
import * as realtime from "./v1/realtime.ts";

export const manifest: Manifest<AppState> = {
  app: App,
  routes: {
    "/": index,
    "/healthz": healthz,
    "/metrics": metrics,
    "/api/session": session,
    "/api/access": access,
    "/api/relay": relay,
    "/v1/realtime": realtime,
  },
};
