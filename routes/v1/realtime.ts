/**
 * `GET /v1/realtime?model=…`: the embedded Realtime emulator, in local mode only.
 */
import type { Handlers } from "@/framework/types.ts";
import { handleRealtimeUpgrade } from "@/lib/server/emulator/upgrade.ts";
import type { AppState } from "@/lib/server/state.ts";

export const handler: Handlers<AppState> = {
  GET(ctx) {
    const { config, logger } = ctx.state;
    if (config.upstream !== "local") {
      return Response.json({ error: "Not found: the emulator runs only in local mode" }, {
        status: 404,
      });
    }
    const log = logger.with({ component: "emulator" });
    return handleRealtimeUpgrade(ctx.req, {
      sessionSeconds: config.emulatorSessionSeconds,
      log: (msg, fields) => log.debug(msg, fields),
    });
  },
};
