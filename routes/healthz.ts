import type { Handlers } from "@/framework/types.ts";
import type { AppState } from "@/lib/server/state.ts";

export const handler: Handlers<AppState> = {
  GET(ctx) {
    return Response.json({ status: "ok", upstream: ctx.state.config.upstream });
  },
};
