/**
 * Prints the only path `deno task start` may write to: RECORD_DIR when set, otherwise a path
 * that cannot exist, so the server runs with no write permission at all.
 *
 * @module
 */
const dir = Deno.env.get("RECORD_DIR")?.trim();
// deno-lint-ignore no-console
console.log(dir ? dir : "/nonexistent/no-writes-without-RECORD_DIR");
