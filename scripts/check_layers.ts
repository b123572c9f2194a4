/**
 * Part of `deno task check`: the layers import downwards only. The app is assembled at the
 * top (`app.ts`), so the library never reaches up into the app, the helpers of tests and
 * tools never reach into the tests, and the tools never reach into the tests either:
 *
 * - `lib/` imports nothing from `routes/`, `islands/`, `tests/` or `testing/`; only its own
 *   tests and benchmarks (`*_test.ts`, `*_bench.ts`) may use the helpers in `testing/`;
 * - `testing/`, `bench/` and `scripts/` import nothing from `tests/`: the fixtures in
 *   `tests/fixtures/` are read through `testing/fixtures.ts`, the one file that names them.
 *
 * An import is any `import`/`export … from`, dynamic `import()` or `new URL(…, import.meta.url)`
 * naming a module by a relative path or the `@/` root alias.
 *
 * @module
 */

/** A source file: its path from the project root, and its text. */
export interface SourceFile {
  path: string;
  text: string;
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|new\s+URL\s*\(\s*)["']([^"']+)["']/g;
const TEST_OR_BENCH = /_(test|bench)\.tsx?$/;
/** The one module that reads the recorded fixtures, and where they are. */
const FIXTURES_READER = "testing/fixtures.ts";
const FIXTURES = "tests/fixtures/";

/** The top-level folders each layer must not import from. */
const RULES: { layer: string; forbidden: string[]; forbiddenOutsideTests?: string[] }[] = [
  { layer: "lib", forbidden: ["routes", "islands", "tests"], forbiddenOutsideTests: ["testing"] },
  { layer: "testing", forbidden: ["tests"] },
  { layer: "bench", forbidden: ["tests"] },
  { layer: "scripts", forbidden: ["tests"] },
];

/** The project-root path `specifier` names from `from` (a root-relative path), or null. */
export function resolveSpecifier(from: string, specifier: string): string | null {
  let parts: string[];
  if (specifier.startsWith("@/")) {
    parts = specifier.slice(2).split("/");
  } else if (specifier.startsWith("./") || specifier.startsWith("../")) {
    parts = [...from.split("/").slice(0, -1), ...specifier.split("/")];
  } else {
    return null; // npm:, node:, jsr:, a bare name or a URL
  }
  const out: string[] = [];
  for (const part of parts) {
    if (part === "..") {
      if (out.length === 0) return null; // outside the project
      out.pop();
    } else if (part !== "." && part !== "") {
      out.push(part);
    }
  }
  return out.join("/");
}

/** Every import of `files` that crosses a layer the wrong way, as `file imports target`. */
export function layerProblems(files: readonly SourceFile[]): string[] {
  const problems: string[] = [];
  for (const { path, text } of files) {
    const rule = RULES.find((r) => path.startsWith(`${r.layer}/`));
    if (!rule) continue;
    const forbidden = TEST_OR_BENCH.test(path)
      ? rule.forbidden
      : [...rule.forbidden, ...(rule.forbiddenOutsideTests ?? [])];
    for (const match of text.matchAll(SPECIFIER)) {
      const target = resolveSpecifier(path, match[1]);
      if (target === null) continue;
      if (path === FIXTURES_READER && `${target}/`.startsWith(FIXTURES)) continue;
      const top = target.split("/")[0];
      if (forbidden.includes(top)) problems.push(`${path} imports ${target}`);
    }
  }
  return problems;
}

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* sources(path);
    else if (/\.tsx?$/.test(entry.name)) yield path;
  }
}

if (import.meta.main) {
  const files: SourceFile[] = [];
  for (const { layer } of RULES) {
    for await (const path of sources(layer)) {
      files.push({ path, text: await Deno.readTextFile(path) });
    }
  }
  const problems = layerProblems(files);
  if (problems.length > 0) {
    // deno-lint-ignore no-console
    console.error(
      `Layer check failed: lib/ must not reach up into the app or the tests, and tools and ` +
        `test helpers must not import tests/ (see scripts/check_layers.ts):\n- ${
          problems.join("\n- ")
        }`,
    );
    Deno.exit(1);
  }
}
