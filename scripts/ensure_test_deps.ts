/**
 * Run first by `deno task test`: brings what the tests need from the system, the way
 * `playwright install --with-deps` does. When Chromium, sox, espeak-ng or the DejaVu fonts are
 * missing and this process can install packages (root, `apt-get` present), it installs them
 * with apt-get and says what and why; otherwise it stops at once with the one command to run.
 * With everything present it prints nothing.
 *
 * `TEST_DEPS_NO_INSTALL=1` never installs (only checks and prints the command), for a root
 * machine whose packages must not change.
 *
 * @module
 */

/** One thing the tests need from the system, and the Debian/Ubuntu package that brings it. */
export interface TestDependency {
  /** The Debian/Ubuntu package. */
  readonly package: string;
  /** What the tests use it for, read after the package name ("sox to resample …"). */
  readonly why: string;
}

/** What the tests need, in the order they are named. */
export const TEST_DEPENDENCIES: readonly TestDependency[] = [
  { package: "chromium", why: "for the browser tests" },
  { package: "sox", why: "to resample and time-stretch reference audio" },
  { package: "espeak-ng", why: "to synthesise test speech" },
  { package: "fonts-dejavu-core", why: "so headless Chromium can lay out text" },
];

/** The Chromium the browser tests launch when `CHROME_PATH` is not set (testing/browser.ts). */
export const DEFAULT_CHROMIUM = "/usr/bin/chromium";

/** A file of fonts-dejavu-core, the same path on Debian and Ubuntu. */
export const DEJAVU_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/** What is on the machine, as {@linkcode planTestDeps} needs it. */
export interface TestDepsState {
  /** Packages from {@linkcode TEST_DEPENDENCIES} whose program or file is missing. */
  readonly missing: readonly string[];
  /** `CHROME_PATH` when set to a path that does not exist (installing cannot fix that). */
  readonly brokenChromePath?: string;
  /**
   * Whether /usr/bin/chromium is Ubuntu's snap stub with no snap behind it (as in containers,
   * which have no snapd): apt's chromium cannot help there.
   * @default false
   */
  readonly chromiumSnapStub?: boolean;
  /** Whether this process runs as root. */
  readonly root: boolean;
  /** Whether `apt-get` is on `PATH`. */
  readonly aptGet: boolean;
  /**
   * Whether installing is allowed at all (`TEST_DEPS_NO_INSTALL` unset).
   * @default true
   */
  readonly installAllowed?: boolean;
}

/** What to do: nothing, install these packages (after saying so), or stop with a message. */
export type TestDepsPlan =
  | { readonly action: "ready" }
  | { readonly action: "install"; readonly packages: readonly string[]; readonly message: string }
  | { readonly action: "stop"; readonly message: string };

/**
 * Decides what to do from what is present and whether packages can be installed. Missing
 * packages are installed first when they can be; a Chromium that installing cannot fix (a
 * broken `CHROME_PATH`, Ubuntu's snap stub) stops the run with what to do instead.
 */
export function planTestDeps(state: TestDepsState): TestDepsPlan {
  const missing = TEST_DEPENDENCIES.filter((dep) => state.missing.includes(dep.package));
  const packages = missing.map((dep) => dep.package);
  const what = missing.map((dep) => `${dep.package} ${dep.why}`).join(", ");
  const names = packages.join(" ");
  const installAllowed = state.installAllowed ?? true;
  if (missing.length > 0 && installAllowed && state.root && state.aptGet) {
    return {
      action: "install",
      packages,
      message: `Installing with apt-get (once, a minute or two) what the tests need: ${what}.`,
    };
  }
  if (state.brokenChromePath !== undefined) {
    return {
      action: "stop",
      message:
        `Cannot run the tests: CHROME_PATH is "${state.brokenChromePath}", which is not a file; ` +
        "point it at a Chromium binary or unset it to use /usr/bin/chromium.",
    };
  }
  if (state.chromiumSnapStub) {
    return {
      action: "stop",
      message: `Cannot run the browser tests: ${DEFAULT_CHROMIUM} is Ubuntu's stub for the ` +
        "Chromium snap, which is not installed.\nRun: sudo snap install chromium (or set " +
        "CHROME_PATH to a Chromium or Chrome binary where snaps cannot run)",
    };
  }
  if (missing.length === 0) return { action: "ready" };
  const command = `${state.root ? "" : "sudo "}apt-get install -y ${names}`;
  const reason = !installAllowed
    ? "TEST_DEPS_NO_INSTALL is set, so nothing is installed"
    : !state.aptGet
    ? "this machine has no apt-get"
    : "installing packages needs root";
  const chrome = packages.includes("chromium") ? " (or set CHROME_PATH to a Chromium)" : "";
  const how = state.aptGet
    ? `Run: ${command}${chrome}`
    : `Install them with its package manager${chrome}; on Debian or Ubuntu: ${command}`;
  return {
    action: "stop",
    message: `Cannot run the tests: missing ${what}; ${reason}.\n${how}`,
  };
}

/** Where {@linkcode missingTestDeps} looks; every field defaults to this machine. */
export interface ProbeOptions {
  /**
   * The directories searched for programs.
   * @default the entries of `PATH`
   */
  path?: readonly string[];
  /**
   * `CHROME_PATH`, or `undefined` for unset (then the tests use {@linkcode DEFAULT_CHROMIUM}).
   * @default Deno.env.get("CHROME_PATH")
   */
  chromePath?: string;
  /**
   * The file that shows fonts-dejavu-core is installed.
   * @default DEJAVU_FONT
   */
  fontFile?: string;
}

/** What {@linkcode missingTestDeps} found. */
export interface ProbeResult {
  /** Packages whose program or file is missing. */
  missing: string[];
  /** `CHROME_PATH` when it is set and does not exist. */
  brokenChromePath?: string;
  /** Whether the default Chromium is Ubuntu's snap stub with no snap installed. */
  chromiumSnapStub?: boolean;
}

/** Looks for each dependency: a program on `PATH`, the Chromium the tests launch, a font file. */
export async function missingTestDeps(options: ProbeOptions = {}): Promise<ProbeResult> {
  const path = options.path ?? searchPath();
  const chromePath = "chromePath" in options ? options.chromePath : Deno.env.get("CHROME_PATH");
  const fontFile = options.fontFile ?? DEJAVU_FONT;
  const result: ProbeResult = { missing: [] };
  if (chromePath !== undefined) {
    if (!await isFile(chromePath)) result.brokenChromePath = chromePath;
  } else if (!await isFile(DEFAULT_CHROMIUM)) {
    result.missing.push("chromium");
  } else if (await isSnapStub(DEFAULT_CHROMIUM)) {
    result.chromiumSnapStub = true;
  }
  for (const program of ["sox", "espeak-ng"]) {
    if (await findProgram(program, path) === undefined) result.missing.push(program);
  }
  if (!await isFile(fontFile)) result.missing.push("fonts-dejavu-core");
  return result;
}

/** The directories of `PATH`, in order. */
export function searchPath(): string[] {
  return (Deno.env.get("PATH") ?? "").split(":").filter((dir) => dir !== "");
}

/** The first executable file called `name` in `dirs`, or `undefined`. */
export async function findProgram(
  name: string,
  dirs: readonly string[],
): Promise<string | undefined> {
  for (const dir of dirs) {
    const candidate = `${dir}/${name}`;
    try {
      const info = await Deno.stat(candidate);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/**
 * Whether `file` is a shell script that hands over to a snap that is not installed: what
 * Ubuntu's chromium package puts in /usr/bin.
 */
export async function isSnapStub(file: string, snapBin = "/snap/bin"): Promise<boolean> {
  const name = file.slice(file.lastIndexOf("/") + 1);
  if (await isFile(`${snapBin}/${name}`)) return false;
  let head: string;
  try {
    using handle = await Deno.open(file);
    const buffer = new Uint8Array(4096);
    const read = await handle.read(buffer) ?? 0;
    head = new TextDecoder().decode(buffer.subarray(0, read));
  } catch {
    return false;
  }
  return head.startsWith("#!") && /\bsnap\b/.test(head);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function aptGet(args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command("apt-get", {
    args,
    env: { DEBIAN_FRONTEND: "noninteractive" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    const detail = new TextDecoder().decode(stderr).trim().split("\n").slice(-5).join("\n");
    throw new Error(`apt-get ${args.join(" ")} exited with ${code}\n${detail}`);
  }
}

function say(line: string): void {
  // deno-lint-ignore no-console
  console.error(line);
}

async function main(): Promise<number> {
  const probe = await missingTestDeps();
  const aptGetPath = await findProgram("apt-get", searchPath());
  const rights = { root: Deno.uid() === 0, aptGet: aptGetPath !== undefined };
  const plan = planTestDeps({
    ...probe,
    ...rights,
    installAllowed: !["1", "true", "yes"].includes(Deno.env.get("TEST_DEPS_NO_INSTALL") ?? ""),
  });
  if (plan.action === "ready") return 0;
  if (plan.action === "stop") {
    say(plan.message);
    return 1;
  }
  say(plan.message);
  try {
    await aptGet(["update", "-qq"]);
    await aptGet(["install", "-y", "-qq", "--no-install-recommends", ...plan.packages]);
  } catch (error) {
    say(
      `Cannot install the test dependencies: ${(error as Error).message}\n` +
        `Fix that, then run: apt-get install -y ${plan.packages.join(" ")}`,
    );
    return 1;
  }
  const after = await missingTestDeps();
  if (after.missing.length > 0) {
    say(
      `Cannot run the tests: still missing after apt-get: ${after.missing.join(" ")}; ` +
        "install them by hand (README.md, Run it).",
    );
    return 1;
  }
  // What apt-get brought may still not run: Ubuntu's chromium is a stub for a snap.
  const usable = planTestDeps({ ...after, ...rights });
  if (usable.action === "stop") {
    say(usable.message);
    return 1;
  }
  say(`Installed ${plan.packages.join(" ")}.`);
  return 0;
}

if (import.meta.main) Deno.exit(await main());
