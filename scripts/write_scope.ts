/**
 * Prints the paths `deno task start` may write to (and read beyond the project), comma-separated:
 * RECORD_DIR when set, and the KV_PATH file with the SQLite files beside it (`-wal`, `-shm`,
 * `-journal`) when KV_PATH names a file (not unset, `:memory:` or a denokv URL). With neither, a
 * path that cannot exist, so the server runs with no write permission at all.
 *
 * @module
 */

/** The paths to grant for `RECORD_DIR` and `KV_PATH` as given (unset: undefined). */
export function writeScope(recordDir?: string, kvPath?: string): string[] {
  const paths: string[] = [];
  const dir = recordDir?.trim();
  if (dir) paths.push(dir);
  const kv = kvPath?.trim();
  if (kv && kv !== ":memory:" && !/^https?:\/\//i.test(kv)) {
    paths.push(kv, `${kv}-wal`, `${kv}-shm`, `${kv}-journal`);
  }
  return paths;
}

if (import.meta.main) {
  const paths = writeScope(Deno.env.get("RECORD_DIR"), Deno.env.get("KV_PATH"));
  // deno-lint-ignore no-console
  console.log(paths.length > 0 ? paths.join(",") : "/nonexistent/no-writes-without-RECORD_DIR");
}
