/**
 * `GET /metrics`: Prometheus text. With `METRICS_TOKEN` set, only to
 * `Authorization: Bearer <token>` (compared in constant time); 401 otherwise.
 */
import type { Handlers } from "@/framework/types.ts";
import { constantTimeEqual } from "@/lib/server/access.ts";
import type { AppState } from "@/lib/server/state.ts";

const encoder = new TextEncoder();

export const handler: Handlers<AppState> = {
  async GET(ctx) {
    const { metrics, config } = ctx.state;
    if (config.metricsToken !== null && !authorized(ctx.req, config.metricsToken)) {
      return Response.json({
        error: "Cannot show metrics: send Authorization: Bearer <METRICS_TOKEN>",
      }, {
        status: 401,
        headers: { "www-authenticate": 'Bearer realm="metrics"', "cache-control": "no-store" },
      });
    }
    return new Response(await metrics.text(), {
      headers: { "content-type": metrics.contentType, "cache-control": "no-store" },
    });
  },
};

/** Whether `req` carries `Authorization: Bearer <token>`. */
function authorized(req: Request, token: string): boolean {
  const header = req.headers.get("authorization") ?? "";
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return constantTimeEqual(encoder.encode(match?.[1] ?? ""), encoder.encode(token));
}
