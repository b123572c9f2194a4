/**
 * Part of `deno task check:browser`. The DOM-only type check already fails on any `Deno.*`
 * use in lib/shared/, but Deno resolves `node:` built-ins whatever the libs, so this scan
 * catches those, checks each module carries the browser-compatible marker, and keeps
 * browser code (lib/shared, lib/client, islands) away from lib/server.
 *
 * @module
 */
const MARKER = "// This module is browser compatible.";
const problems: string[] = [];

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* sources(path);
    else if (/\.tsx?$/.test(entry.name) && !/_(test|bench)\.tsx?$/.test(entry.name)) yield path;
  }
}

for (const dir of ["lib/shared", "lib/client", "islands"]) {
  for await (const path of sources(dir)) {
    const text = await Deno.readTextFile(path);
    if (/(from\s+|import\s*\(\s*)["']node:/.test(text)) problems.push(`${path} imports node:`);
    if (/["'][^"']*lib\/server\//.test(text)) problems.push(`${path} imports lib/server`);
    if (dir === "lib/shared") {
      if (/\bDeno\./.test(text)) problems.push(`${path} uses Deno.*`);
      if (!text.startsWith(MARKER)) problems.push(`${path} lacks the line "${MARKER}"`);
    }
  }
}

if (problems.length > 0) {
  // deno-lint-ignore no-console
  console.error(`Browser-safety check failed:\n- ${problems.join("\n- ")}`);
  Deno.exit(1);
}
