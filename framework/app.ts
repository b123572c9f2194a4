/**
 * Builds the request handler from the route manifest: security headers, built assets,
 * static files, then one Hono route per file under `routes/`.
 *
 * @module
 */
import { Hono } from "hono";
import { serveStatic } from "hono/deno";
import { etag } from "hono/etag";
import { secureHeaders } from "hono/secure-headers";
import { renderPage } from "./render.tsx";
import type { Context, Manifest, Method } from "./types.ts";

export interface AppOptions<State> {
  state: State;
  /** Built asset URLs by entry name (from `_fresh/manifest.json`). */
  assets: Record<string, string>;
  /** Folder of files served at `/` (default `static`). */
  staticDir?: string;
  /** Folder of built, content-hashed files served at `/_fresh/` (default `_fresh/static`). */
  buildDir?: string;
}

/** Strict policy: nothing inline, nothing from other origins; WebSockets to our own origin. */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  connectSrc: ["'self'"],
  mediaSrc: ["'self'", "blob:"],
  workerSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

const METHODS: Method[] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

export type ServeHandler = (req: Request, info: Deno.ServeHandlerInfo) => Promise<Response>;

export function createApp<State>(
  manifest: Manifest<State>,
  options: AppOptions<State>,
): ServeHandler {
  const { state, assets } = options;
  const staticDir = options.staticDir ?? "static";
  const buildDir = options.buildDir ?? "_fresh/static";
  const app = new Hono<{ Bindings: Deno.ServeHandlerInfo }>();

  app.use(
    secureHeaders({
      contentSecurityPolicy: CONTENT_SECURITY_POLICY,
      permissionsPolicy: { microphone: ["self"], camera: [], geolocation: [] },
      referrerPolicy: "no-referrer",
      crossOriginEmbedderPolicy: false,
    }),
  );

  // Built files carry a content hash in their names: cache them for a year.
  app.use("/_fresh/*", async (c, next) => {
    await next();
    if (c.res.status === 200) {
      c.header("cache-control", "public, max-age=31536000, immutable");
    }
  });
  app.get(
    "/_fresh/*",
    serveStatic({ root: buildDir, rewriteRequestPath: (p) => p.replace(/^\/_fresh/, "") }),
  );

  for (const [path, route] of Object.entries(manifest.routes)) {
    for (const method of METHODS) {
      const handler = route.handler?.[method] ??
        (method === "GET" && route.default ? (ctx: Context<State>) => ctx.render() : undefined);
      if (!handler) continue;
      app.on(method, path, (c) => {
        const ctx: Context<State> = {
          req: c.req.raw,
          url: new URL(c.req.url),
          params: c.req.param() as Record<string, string>,
          state,
          remoteAddr: c.env?.remoteAddr?.transport === "tcp" ? c.env.remoteAddr : null,
          render(data?: unknown) {
            if (!route.default) throw new TypeError(`Cannot render ${path}: it has no page`);
            return renderPage(manifest.app, route.default, { url: ctx.url, state, data }, assets);
          },
        };
        return handler(ctx);
      });
    }
  }

  // Files in static/ change without renaming: revalidate them with an ETag.
  app.use("*", etag());
  app.use("*", async (c, next) => {
    await next();
    if (c.res.status === 200) c.header("cache-control", "public, max-age=300, must-revalidate");
  });
  app.get("*", serveStatic({ root: staticDir }));

  return async (req, info) => await app.fetch(req, info);
}
