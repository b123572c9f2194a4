/**
 * Bundles browser entry points with `deno bundle` into `_fresh/static/`, names each output
 * after its content hash and writes `_fresh/manifest.json` (entry name → URL).
 *
 * @module
 */

export interface BuildOptions {
  /** Entry name (e.g. `client.js`) → source file. */
  entries: Record<string, string>;
  /** Output folder, default `_fresh`. */
  outDir?: string;
  minify?: boolean;
}

export const MANIFEST_FILE = "manifest.json";

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Reads the asset manifest, or returns null when nothing has been built. */
export async function readAssets(outDir = "_fresh"): Promise<Record<string, string> | null> {
  try {
    return JSON.parse(await Deno.readTextFile(`${outDir}/${MANIFEST_FILE}`));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/**
 * Writes the config `deno bundle` runs with: the project's deno.json with `jsx` set to the
 * automatic runtime. deno.json precompiles JSX into HTML template strings, which is fast for
 * server rendering but produces no virtual DOM for the browser to hydrate. Paths are made
 * relative to `outDir`, where the file is written.
 */
async function writeBundleConfig(outDir: string): Promise<string> {
  const config = JSON.parse(await Deno.readTextFile("deno.json"));
  const up = outDir.split("/").filter(Boolean).map(() => "..").join("/");
  const imports: Record<string, string> = {};
  for (const [key, value] of Object.entries<string>(config.imports ?? {})) {
    imports[key] = value.startsWith("./") ? `${up}/${value.slice(2)}` : value;
  }
  const path = `${outDir}/bundle.deno.json`;
  const bundleConfig = {
    imports,
    compilerOptions: { ...config.compilerOptions, jsx: "react-jsx" },
  };
  await Deno.writeTextFile(path, JSON.stringify(bundleConfig, null, 2));
  return path;
}

export async function build(options: BuildOptions): Promise<Record<string, string>> {
  const outDir = options.outDir ?? "_fresh";
  const staticDir = `${outDir}/static`;
  await Deno.remove(outDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(staticDir, { recursive: true });
  const bundleConfig = await writeBundleConfig(outDir);
  const assets: Record<string, string> = {};
  for (const [name, source] of Object.entries(options.entries)) {
    const tmp = `${staticDir}/.${name}`;
    const args = [
      "bundle",
      "--quiet",
      "--no-lock",
      `--config=${bundleConfig}`,
      "--platform=browser",
      "--output",
      tmp,
      source,
    ];
    if (options.minify !== false) args.splice(1, 0, "--minify");
    const { code, stderr } = await new Deno.Command(Deno.execPath(), { args, stderr: "piped" })
      .output();
    if (code !== 0) {
      throw new Error(
        `Cannot bundle ${source}: deno bundle exited with ${code}\n${
          new TextDecoder().decode(stderr)
        }`,
      );
    }
    const bytes = await Deno.readFile(tmp);
    const hashed = name.replace(/\.js$/, `-${(await sha256Hex(bytes)).slice(0, 10)}.js`);
    await Deno.rename(tmp, `${staticDir}/${hashed}`);
    assets[name] = `/_fresh/${hashed}`;
  }
  await Deno.writeTextFile(`${outDir}/${MANIFEST_FILE}`, JSON.stringify(assets, null, 2) + "\n");
  return assets;
}
