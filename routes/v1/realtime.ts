/**
 * `GET /v1/realtime?model=…`: the embedded Realtime emulator for outside GA clients, only when
 * `EMULATOR_PUBLIC=1` (`lib/server/emulator/public.ts`: key, per-client cap, event size).
 * Otherwise 404: the relay drives the emulator in process and never comes this way.
 */
import type { Handlers } from "@/framework/types.ts";
import type { AppState } from "@/lib/server/state.ts";

export const handler: Handlers<AppState> = {
  GET(ctx) {
    const { emulator } = ctx.state;
    if (emulator === null) {
      return Response.json({
        error: "Not found: the emulator is not public here; set EMULATOR_PUBLIC=1 to serve it",
      }, { status: 404 });
    }
    return emulator.handle(ctx.req, ctx.remoteAddr?.hostname ?? "unknown");
  },
};
