import { deepEqual, equal, rejects } from "node:assert/strict";
import { FullDisk } from "./full_disk.ts";
import { tempDir } from "./temp_dir.ts";

Deno.test("FullDisk.open() lands what fits, then fails with ENOSPC; overwrites are free, truncation gives space back", async () => {
  await using tmp = await tempDir();
  const path = `${tmp.path}/f.bin`;
  const disk = new FullDisk(10);
  const file = await disk.open(path, { write: true, create: true, truncate: true });
  try {
    equal(await file.write(new Uint8Array([1, 2, 3, 4, 5, 6])), 6);
    equal(disk.free, 4);
    // A short write, as on a real disk with 4 bytes left…
    equal(await file.write(new Uint8Array([7, 8, 9, 10, 11, 12])), 4);
    equal(disk.free, 0);
    // …then the error.
    await rejects(file.write(new Uint8Array([13])), (e: Error & { code?: string }) => {
      equal(e.code, "ENOSPC");
      return true;
    });
    equal(disk.failures, 1);
    // Overwriting takes no space.
    await file.seek(0, Deno.SeekMode.Start);
    equal(await file.write(new Uint8Array([0, 0])), 2);
    await file.truncate(8);
    equal(disk.free, 2);
  } finally {
    file.close();
  }
  deepEqual([...await Deno.readFile(path)], [0, 0, 3, 4, 5, 6, 7, 8]);
});
