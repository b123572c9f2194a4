import { equal, match, ok } from "node:assert/strict";
import {
  findProgram,
  isSnapStub,
  missingTestDeps,
  planTestDeps,
  TEST_DEPENDENCIES,
  type TestDepsPlan,
} from "./ensure_test_deps.ts";

const ALL = TEST_DEPENDENCIES.map((dep) => dep.package);

function stopMessage(plan: TestDepsPlan): string {
  equal(plan.action, "stop");
  return (plan as { message: string }).message;
}

Deno.test("planTestDeps() does nothing when everything is present, whatever the rights", () => {
  for (const root of [true, false]) {
    for (const aptGet of [true, false]) {
      equal(planTestDeps({ missing: [], root, aptGet }).action, "ready");
    }
  }
});

Deno.test("planTestDeps() installs only what is missing, in a fixed order, as root with apt-get", () => {
  const plan = planTestDeps({ missing: ["sox", "chromium"], root: true, aptGet: true });
  equal(plan.action, "install");
  if (plan.action !== "install") return;
  equal(plan.packages.join(" "), "chromium sox");
  match(plan.message, /^Installing with apt-get .*chromium for the browser tests, sox to resample/);
  ok(!plan.message.includes("espeak-ng"), plan.message);
  equal(plan.message.split("\n").length, 1);
});

Deno.test("planTestDeps() installs all four on a bare machine", () => {
  const plan = planTestDeps({ missing: [...ALL].reverse(), root: true, aptGet: true });
  equal(plan.action === "install" && plan.packages.join(" "), ALL.join(" "));
});

Deno.test("planTestDeps() stops with the sudo command when not root", () => {
  const message = stopMessage(planTestDeps({ missing: ALL, root: false, aptGet: true }));
  const [first, second, ...rest] = message.split("\n");
  equal(rest.length, 0);
  match(first, /^Cannot run the tests: missing chromium for the browser tests, .*needs root\.$/);
  equal(
    second,
    "Run: sudo apt-get install -y chromium sox espeak-ng fonts-dejavu-core " +
      "(or set CHROME_PATH to a Chromium)",
  );
});

Deno.test("planTestDeps() names only the missing packages in the command", () => {
  const message = stopMessage(planTestDeps({ missing: ["espeak-ng"], root: false, aptGet: true }));
  match(message, /\nRun: sudo apt-get install -y espeak-ng$/);
});

Deno.test("planTestDeps() never installs when TEST_DEPS_NO_INSTALL is set, even as root", () => {
  const message = stopMessage(
    planTestDeps({ missing: ["sox"], root: true, aptGet: true, installAllowed: false }),
  );
  match(message, /TEST_DEPS_NO_INSTALL is set/);
  match(message, /\nRun: apt-get install -y sox$/);
});

Deno.test("planTestDeps() without apt-get points to the package manager and the Debian command", () => {
  const message = stopMessage(planTestDeps({ missing: ["sox"], root: true, aptGet: false }));
  match(message, /no apt-get/);
  match(message, /package manager; on Debian or Ubuntu: apt-get install -y sox$/);
});

Deno.test("planTestDeps() stops on a CHROME_PATH that does not exist, since installing cannot fix it", () => {
  const message = stopMessage(
    planTestDeps({ missing: [], brokenChromePath: "/nope/chrome", root: true, aptGet: true }),
  );
  match(message, /CHROME_PATH is "\/nope\/chrome", which is not a file; point it at a Chromium/);
});

Deno.test("findProgram() finds executable files only, first directory first", async () => {
  const a = await Deno.makeTempDir();
  const b = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${a}/tool`, "#!/bin/sh\n", { mode: 0o644 });
    await Deno.writeTextFile(`${b}/tool`, "#!/bin/sh\n", { mode: 0o755 });
    await Deno.mkdir(`${a}/dir`);
    equal(await findProgram("tool", [a, b]), `${b}/tool`);
    equal(await findProgram("dir", [a, b]), undefined);
    equal(await findProgram("absent", [a, b]), undefined);
  } finally {
    await Deno.remove(a, { recursive: true });
    await Deno.remove(b, { recursive: true });
  }
});

Deno.test("missingTestDeps() reports what a machine lacks, and a CHROME_PATH that is a file counts", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const chrome = `${dir}/chrome`;
    await Deno.writeTextFile(chrome, "");
    await Deno.writeTextFile(`${dir}/sox`, "", { mode: 0o755 });
    const some = await missingTestDeps({ path: [dir], chromePath: chrome, fontFile: chrome });
    equal(some.missing.join(" "), "espeak-ng");
    equal(some.brokenChromePath, undefined);
    const none = await missingTestDeps({ path: [], chromePath: `${dir}/x`, fontFile: `${dir}/y` });
    equal(none.missing.join(" "), "sox espeak-ng fonts-dejavu-core");
    equal(none.brokenChromePath, `${dir}/x`);
    // Set but empty is not unset: the browser tests would launch "".
    const empty = await missingTestDeps({ path: [dir], chromePath: "", fontFile: chrome });
    equal(empty.brokenChromePath, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the script stops with the command, installing nothing, when it may not install", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/chrome`, "");
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./ensure_test_deps.ts", import.meta.url).pathname],
      // An empty PATH: no sox, no espeak-ng, no apt-get to run even by mistake.
      env: { PATH: dir, CHROME_PATH: `${dir}/chrome`, TEST_DEPS_NO_INSTALL: "1", NO_COLOR: "1" },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(stderr);
    equal(code, 1, text);
    equal(new TextDecoder().decode(stdout), "");
    match(text, /^Cannot run the tests: missing sox .*, espeak-ng .*TEST_DEPS_NO_INSTALL/);
    match(text, /\n.*apt-get install -y sox espeak-ng/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("planTestDeps() stops on Ubuntu's Chromium snap stub, which apt-get cannot replace", () => {
  const message = stopMessage(
    planTestDeps({ missing: [], chromiumSnapStub: true, root: true, aptGet: true }),
  );
  match(message, /snap/);
  match(message, /\nRun: sudo snap install chromium \(or set CHROME_PATH/);
});

Deno.test("isSnapStub() tells a snap hand-over script from a real binary and from an installed snap", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const stub = `${dir}/chromium`;
    await Deno.writeTextFile(
      stub,
      "#! /bin/sh\necho \"Command '$0' requires the chromium snap to be installed.\"\nexit 1\n",
      { mode: 0o755 },
    );
    await Deno.writeFile(`${dir}/binary`, new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1]));
    await Deno.mkdir(`${dir}/snap`);
    equal(await isSnapStub(stub, `${dir}/snap`), true);
    equal(await isSnapStub(`${dir}/binary`, `${dir}/snap`), false);
    equal(await isSnapStub(`${dir}/absent`, `${dir}/snap`), false);
    await Deno.writeTextFile(`${dir}/snap/chromium`, "");
    equal(await isSnapStub(stub, `${dir}/snap`), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("planTestDeps() installs what it can before stopping on a Chromium it cannot fix", () => {
  const plan = planTestDeps({ missing: ["sox"], chromiumSnapStub: true, root: true, aptGet: true });
  equal(plan.action === "install" && plan.packages.join(" "), "sox");
  const after = planTestDeps({ missing: [], chromiumSnapStub: true, root: true, aptGet: true });
  equal(after.action, "stop");
  const user = planTestDeps({
    missing: ["sox"],
    brokenChromePath: "/x",
    root: false,
    aptGet: true,
  });
  match(stopMessage(user), /CHROME_PATH is "\/x"/);
});
