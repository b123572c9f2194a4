import type { Handlers } from "@/framework/types.ts";
import type { AppState } from "@/lib/server/state.ts";

export const handler: Handlers<AppState> = {
  GET(ctx) {
    const { config, health } = ctx.state;
    return Response.json(
      { ...health.report(), upstream: config.upstream },
      { headers: { "cache-control": "no-store" } },
    );
  },
};
