import type { Handlers } from "@/framework/types.ts";
import type { AppState } from "@/lib/server/state.ts";

export const handler: Handlers<AppState> = {
  async GET(ctx) {
    const { metrics } = ctx.state;
    return new Response(await metrics.text(), {
      headers: { "content-type": metrics.contentType, "cache-control": "no-store" },
    });
  },
};
