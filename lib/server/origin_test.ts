import { equal } from "node:assert/strict";
import { originAllowed } from "./origin.ts";

function req(headers: Record<string, string>) {
  return new Request("http://coach.example:8000/api/relay", { headers });
}

Deno.test("originAllowed() accepts the server's own origin and no origin by default", () => {
  equal(
    originAllowed(req({ host: "coach.example:8000", origin: "http://coach.example:8000" }), []),
    true,
  );
  equal(
    originAllowed(req({ host: "coach.example:8000", origin: "https://coach.example:8000" }), []),
    true,
  );
  equal(originAllowed(req({ host: "coach.example:8000" }), []), true);
});

Deno.test("originAllowed() refuses other origins and garbage", () => {
  equal(
    originAllowed(req({ host: "coach.example:8000", origin: "http://evil.example" }), []),
    false,
  );
  equal(originAllowed(req({ host: "coach.example:8000", origin: "null" }), []), false);
});

Deno.test("originAllowed() uses ALLOWED_ORIGINS exactly when set", () => {
  const allowed = ["https://app.example"];
  equal(
    originAllowed(req({ host: "coach.example:8000", origin: "https://app.example" }), allowed),
    true,
  );
  equal(
    originAllowed(
      req({ host: "coach.example:8000", origin: "http://coach.example:8000" }),
      allowed,
    ),
    false,
  );
});
