import { deepEqual, equal } from "node:assert/strict";
import { openDescriptorCount, openFilesUnder } from "./open_files.ts";
import { tempDir } from "./temp_dir.ts";

Deno.test("openDescriptorCount() and openFilesUnder() see a file while it is open, and not after", async () => {
  await using tmp = await tempDir();
  const before = openDescriptorCount();
  deepEqual(openFilesUnder(tmp.path), []);
  const file = await Deno.open(`${tmp.path}/a.txt`, { write: true, create: true });
  equal(openDescriptorCount(), before + 1);
  deepEqual(openFilesUnder(tmp.path), [`${Deno.realPathSync(tmp.path)}/a.txt`]);
  file.close();
  equal(openDescriptorCount(), before);
  deepEqual(openFilesUnder(tmp.path), []);
});
