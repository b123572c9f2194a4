import { equal, ok, rejects } from "node:assert/strict";
import { tempDir } from "./temp_dir.ts";

Deno.test("tempDir() makes a directory and removes it, contents and all, on dispose", async () => {
  let path: string;
  {
    await using dir = await tempDir("temp_dir_test_");
    path = dir.path;
    ok((await Deno.stat(path)).isDirectory);
    ok(path.split("/").at(-1)!.startsWith("temp_dir_test_"));
    await Deno.writeTextFile(`${path}/a.txt`, "a");
    await Deno.mkdir(`${path}/sub`);
    equal([...Deno.readDirSync(path)].length, 2);
  }
  await rejects(Deno.stat(path), Deno.errors.NotFound);
});
