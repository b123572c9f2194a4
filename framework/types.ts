/**
 * The route-module shape, after Fresh's `define.handlers` / `define.page`.
 *
 * @module
 */
import type { ComponentType } from "preact";

/** What a route handler gets. */
export interface Context<State> {
  req: Request;
  url: URL;
  params: Record<string, string>;
  state: State;
  /** The TCP peer, for per-client limits. */
  remoteAddr: Deno.NetAddr | null;
  /** Renders the route's page component with `data`. */
  render(data?: unknown): Response;
}

export type Handler<State> = (ctx: Context<State>) => Response | Promise<Response>;

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";

export type Handlers<State> = Partial<Record<Method, Handler<State>>>;

/** What a page component gets. */
export interface PageProps<State> {
  url: URL;
  state: State;
  data: unknown;
}

/** A file under `routes/`: handlers, a page, or both. */
export interface RouteModule<State> {
  handler?: Handlers<State>;
  default?: ComponentType<PageProps<State>>;
}

/** `routes/_app.tsx`: the HTML shell around every page. */
export interface AppProps {
  /** The page, already rendered as a component tree. */
  Component: ComponentType;
  /** Built asset URLs by entry name, e.g. `client.js` → `/_fresh/client-1a2b3c4d.js`. */
  assets: Record<string, string>;
  url: URL;
}

/** The route table, written by hand the way Fresh generates `fresh.gen.ts`. */
export interface Manifest<State> {
  app: ComponentType<AppProps>;
  routes: Record<string, RouteModule<State>>;
}
