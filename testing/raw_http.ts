/**
 * One HTTP/1.1 request written by hand on a TCP socket, for tests that must send headers
 * `fetch` rewrites (`Host`) or upgrade requests without a WebSocket client.
 *
 * @module
 */

export interface RawResponse {
  status: number;
  headers: Headers;
  /** The body (up to `content-length`); empty for 1xx replies. */
  body: string;
}

/**
 * Sends `method path` to `127.0.0.1:port` with exactly `headers` (add `host` yourself) and
 * reads the reply's head and its `content-length` body; then closes the socket.
 */
export async function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<RawResponse> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const head = [
      `${method} ${path} HTTP/1.1`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    await conn.write(new TextEncoder().encode(`${head.join("\r\n")}\r\n\r\n`));
    const decoder = new TextDecoder();
    let text = "";
    const buffer = new Uint8Array(16 * 1024);
    let end = -1;
    while (end === -1) {
      const n = await conn.read(buffer);
      if (n === null) {
        throw new Error(`Cannot read the reply: the server closed after ${JSON.stringify(text)}`);
      }
      text += decoder.decode(buffer.subarray(0, n), { stream: true });
      end = text.indexOf("\r\n\r\n");
    }
    const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
    const status = Number(statusLine.split(" ")[1]);
    const replyHeaders = new Headers();
    for (const line of lines) {
      const colon = line.indexOf(":");
      replyHeaders.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    let body = text.slice(end + 4);
    const length = Number(replyHeaders.get("content-length") ?? 0);
    while (status >= 200 && new TextEncoder().encode(body).length < length) {
      const n = await conn.read(buffer);
      if (n === null) break;
      body += decoder.decode(buffer.subarray(0, n), { stream: true });
    }
    return { status, headers: replyHeaders, body };
  } finally {
    conn.close();
  }
}

/** Headers of a WebSocket upgrade request (add `host` and the rest yourself). */
export const UPGRADE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  upgrade: "websocket",
  connection: "Upgrade",
  "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
  "sec-websocket-version": "13",
});
