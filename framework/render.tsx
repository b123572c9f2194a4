/**
 * Server rendering of a page inside the `_app` shell with preact-render-to-string.
 *
 * @module
 */
import type { ComponentType } from "preact";
import { renderToString } from "preact-render-to-string";
import type { AppProps, PageProps } from "./types.ts";

export function renderPage<State>(
  App: ComponentType<AppProps>,
  Page: ComponentType<PageProps<State>>,
  props: PageProps<State>,
  assets: Record<string, string>,
  init?: ResponseInit,
): Response {
  const Component = () => <Page {...props} />;
  const html = "<!DOCTYPE html>" + renderToString(
    <App Component={Component} assets={assets} url={props.url} />,
  );
  const headers = new Headers(init?.headers);
  headers.set("content-type", "text/html; charset=utf-8");
  headers.set("cache-control", "no-store");
  return new Response(html, { ...init, headers });
}
