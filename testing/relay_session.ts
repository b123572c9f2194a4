/**
 * A relay session against the scripted upstream, as most relay tests start one: the browser
 * side (a {@linkcode TestClient} through `/api/relay`) and the upstream side of the same
 * session, once the upstream has configured it.
 *
 * @module
 */
import type { ScriptedUpstream, UpstreamConnection } from "./upstream.ts";
import { type ClientOptions, openRelay, type TestClient } from "./ws_client.ts";

/** Both ends of one relayed session. */
export interface RelaySession {
  /** The browser's end. */
  client: TestClient;
  /** The upstream's end. */
  connection: UpstreamConnection;
}

/**
 * Opens the relay of the server at `baseUrl` (configured with `upstream.url`) and resolves
 * once the browser has `session.created` and `session.updated`.
 */
export async function openRelaySession(
  baseUrl: string,
  upstream: ScriptedUpstream,
  options: ClientOptions = {},
): Promise<RelaySession> {
  const pending = upstream.nextConnection();
  const client = await openRelay(baseUrl, options);
  const connection = await pending;
  await client.next("session.created");
  await client.next("session.updated");
  return { client, connection };
}

/**
 * The environment of a server that relays to `upstream` as its OpenAI upstream with the API
 * key `key` (tests that look for leaks give each their own key), plus `extra`.
 */
export function relayEnv(
  upstream: { url: string },
  key: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { OPENAI_API_KEY: key, REALTIME_URL: upstream.url, ...extra };
}
