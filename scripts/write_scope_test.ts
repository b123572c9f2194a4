import { deepEqual } from "node:assert/strict";
import { writeScope } from "./write_scope.ts";

Deno.test("writeScope() grants RECORD_DIR and a KV_PATH file with its SQLite siblings, nothing else", () => {
  deepEqual(writeScope(), []);
  deepEqual(writeScope(" ", ":memory:"), []);
  deepEqual(writeScope(undefined, "https://kv.example.org/db"), []);
  deepEqual(writeScope("/rec"), ["/rec"]);
  deepEqual(writeScope("/rec", "/var/coach.kv"), [
    "/rec",
    "/var/coach.kv",
    "/var/coach.kv-wal",
    "/var/coach.kv-shm",
    "/var/coach.kv-journal",
  ]);
});
