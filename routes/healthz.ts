/**
 * `GET /healthz`: the parts that can degrade (recording, listener, the shared KV store) and the
 * upstream kind. `status` is degraded when any part is. No secrets, no paths.
 */
import type { Handlers } from "@/framework/types.ts";
import type { AppState } from "@/lib/server/state.ts";

export const handler: Handlers<AppState> = {
  async GET(ctx) {
    const { config, health, store } = ctx.state;
    const report = health.report();
    const storeHealth = await store.health();
    return Response.json(
      {
        ...report,
        status: report.status === "degraded" || storeHealth === "degraded" ? "degraded" : "ok",
        store: storeHealth,
        upstream: config.upstream,
      },
      { headers: { "cache-control": "no-store" } },
    );
  },
};
