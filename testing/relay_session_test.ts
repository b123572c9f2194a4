import { deepEqual, equal } from "node:assert/strict";
import { openRelaySession } from "./relay_session.ts";
import { startTestServer } from "./server.ts";
import { ScriptedUpstream } from "./upstream.ts";

Deno.test("openRelaySession() gives both ends of one relayed session, configured", async () => {
  await using upstream = await ScriptedUpstream.start();
  await using server = await startTestServer({
    OPENAI_API_KEY: "sk-test",
    REALTIME_URL: upstream.url,
  });
  const { client, connection } = await openRelaySession(server.url, upstream);
  // The relay's own `relay.conversation` may follow `session.updated` at once.
  deepEqual(
    client.received.map((e) => e.type).filter((type) => !type.startsWith("relay.")),
    ["session.created", "session.updated"],
  );
  equal(connection.events[0].type, "session.update");
  client.send({ type: "input_audio_buffer.clear", event_id: "c1" });
  equal((await connection.next("input_audio_buffer.clear")).event_id, "c1");
  await client.close();
});
