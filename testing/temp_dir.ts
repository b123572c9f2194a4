/** A temporary directory for a test, removed with its contents when disposed (`await using`). */
export async function tempDir(
  prefix = "voice_coach_test_",
): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}
