import { throws } from "node:assert/strict";
import { type PlaybackControlMessage, unknownMessage } from "./worklet_messages.ts";

function describe(message: PlaybackControlMessage): string {
  switch (message.type) {
    case "enqueue":
    case "end":
    case "query":
      return message.itemId;
    case "flush":
      return String(message.id);
    case "close":
      return "close";
    default:
      return unknownMessage(message);
  }
}

Deno.test("unknownMessage() throws a TypeError naming the unknown type", () => {
  const bogus = { type: "rewind" } as unknown as PlaybackControlMessage;
  throws(() => describe(bogus), {
    name: "TypeError",
    message: 'Cannot handle worklet message: unknown type "rewind"',
  });
  throws(() => unknownMessage("stop" as never), { message: /unknown type "stop"/ });
});
