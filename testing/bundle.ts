/**
 * One browser script from source text, for tests that load code into a page without the
 * app's build: the files are written side by side into a temporary directory and
 * `deno bundle --platform=browser` bundles the entry among them.
 *
 * @module
 */
import { tempDir } from "./temp_dir.ts";

/**
 * The browser bundle of `entry`, one of `files` (names → source text, written side by side; a
 * `deno.json` among them is the bundle's config).
 *
 * @param what what is bundled, for the error ("the test page")
 * @throws {Error} when `deno bundle` fails, with its output
 */
export async function bundleForBrowser(
  files: Readonly<Record<string, string>>,
  entry: string,
  what: string,
): Promise<string> {
  await using dir = await tempDir("voice_coach_bundle_");
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir.path}/${name}`, text);
  }
  const config = "deno.json" in files ? [`--config=${dir.path}/deno.json`] : [];
  const output = `${dir.path}/bundle.out.js`;
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--no-lock",
      ...config,
      "--platform=browser",
      "--output",
      output,
      `${dir.path}/${entry}`,
    ],
    cwd: dir.path,
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`Cannot bundle ${what}: ${new TextDecoder().decode(stderr)}`);
  }
  return await Deno.readTextFile(output);
}
