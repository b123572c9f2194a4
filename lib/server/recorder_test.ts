import { deepEqual, equal, match, rejects } from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { type OpenRecordingFile, SessionRecorder } from "./recorder.ts";
import { readWav, WAV_HEADER_BYTES } from "./wav.ts";
import { FullDisk } from "@/testing/full_disk.ts";
import { openDescriptorCount, openFilesUnder } from "@/testing/open_files.ts";
import { tempDir } from "@/testing/temp_dir.ts";

function pcm(values: number[]): Uint8Array {
  return new Uint8Array(Int16Array.from(values).buffer);
}

Deno.test("SessionRecorder writes exactly the pushed audio and fixes headers on close", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const recorder = await SessionRecorder.open(dir, "sess_abc");
  recorder.input(pcm([1, 2, 3]));
  recorder.input(pcm([-4, 5]));
  recorder.output(pcm([9]));
  equal(recorder.inputBytes, 10);
  await recorder.close();
  const input = readWav(await Deno.readFile(`${dir}/sess_abc.input.wav`));
  equal(input.sampleRate, 24000);
  equal(input.channels, 1);
  deepEqual([...input.samples], [1, 2, 3, -4, 5]);
  const bytes = await Deno.readFile(`${dir}/sess_abc.output.wav`);
  equal(new DataView(bytes.buffer).getUint32(40, true), 2);
  deepEqual([...readWav(bytes).samples], [9]);
});

Deno.test("SessionRecorder leaves a valid file on disk within a second, before close", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const clock = FakeTimers.install({ toFake: ["setInterval", "clearInterval"] });
  try {
    const recorder = await SessionRecorder.open(dir, "sess_live");
    recorder.input(pcm([7, 8]));
    const read =
      async () => [...readWav(await Deno.readFile(`${dir}/sess_live.input.wav`)).samples];
    deepEqual(await read(), []);
    clock.tick(1000);
    // The flush is asynchronous file I/O: poll the real file system briefly.
    let samples: number[] = [];
    for (let i = 0; i < 100 && samples.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
      samples = await read();
    }
    deepEqual(samples, [7, 8]);
    const header = await Deno.readFile(`${dir}/sess_live.input.wav`);
    equal(new DataView(header.buffer).getUint32(40, true), 4);
    await recorder.close();
  } finally {
    clock.uninstall();
  }
});

Deno.test("SessionRecorder refuses a session id that is not a safe file name", async () => {
  await using tmp = await tempDir();
  await rejects(SessionRecorder.open(tmp.path, "../etc/x"), TypeError);
});

// ---- failures: the recording stops, its files are closed and stay valid ------------------

/** The file's header sizes, checked against its length; returns the data bytes. */
async function checkedData(path: string): Promise<Uint8Array> {
  const bytes = await Deno.readFile(path);
  const view = new DataView(bytes.buffer);
  equal(view.getUint32(4, true), bytes.length - 8, `${path}: RIFF size`);
  equal(view.getUint32(40, true), bytes.length - WAV_HEADER_BYTES, `${path}: data size`);
  return bytes.subarray(WAV_HEADER_BYTES);
}

function random(bytes: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(bytes));
}

/** Settles with the recorder's first error (via `onError`). */
function failures() {
  const seen: Error[] = [];
  const first = Promise.withResolvers<Error>();
  return {
    seen,
    first: first.promise,
    onError(error: Error) {
      seen.push(error);
      first.resolve(error);
    },
  };
}

Deno.test("SessionRecorder on a disk that fills mid-write: the file is cut back to what its header counts, closed at once, onError once", async () => {
  await using tmp = await tempDir();
  const second = 48000; // one second of audio: each push flushes at once
  // Room for both headers, one second and a bit: the second flush lands part-way, then ENOSPC.
  const disk = new FullDisk(2 * WAV_HEADER_BYTES + second + 1000);
  const errors = failures();
  let written = 0;
  const recorder = await SessionRecorder.open(tmp.path, "sess_full", {
    open: disk.open,
    onError: errors.onError,
    onWritten: () => written++,
  });
  const first = random(second);
  recorder.input(first);
  recorder.input(random(second));
  const output = random(10);
  recorder.output(output); // waits in memory until the recording stops
  const error = await errors.first;
  equal((error as Error & { code?: string }).code, "ENOSPC");
  equal(recorder.error, error);
  equal(written, 1, "the first second landed");
  equal(disk.failures, 1);
  // Stopped and closed at once, before close() is called.
  deepEqual(openFilesUnder(tmp.path), []);
  recorder.input(random(second)); // ignored
  await recorder.close();
  equal(errors.seen.length, 1);
  deepEqual(await checkedData(recorder.inputPath), first);
  // The other file was finished with what it had (the cut gave the disk room back).
  deepEqual(await checkedData(recorder.outputPath), output);
});

Deno.test("SessionRecorder: a header rewrite that fails part-way leaves a file whose header counts its data", async () => {
  await using tmp = await tempDir();
  // The input file's second header write (after the first flush's data landed) lands 6 of
  // its 44 bytes, half of the new RIFF size, then fails.
  let headerWrites = 0;
  const open: OpenRecordingFile = async (path, options) => {
    const file = await Deno.open(path, options);
    let position = 0;
    return {
      async write(bytes) {
        const failing = path.endsWith(".input.wav") && position === 0 && ++headerWrites === 2;
        const n = await file.write(failing ? bytes.subarray(0, 6) : bytes);
        position += n;
        if (failing) throw new Error("Input/output error (os error 5)");
        return n;
      },
      async seek(offset, whence) {
        position = await file.seek(offset, whence);
        return position;
      },
      truncate: (length) => file.truncate(length),
      close: () => file.close(),
    };
  };
  const errors = failures();
  const recorder = await SessionRecorder.open(tmp.path, "sess_header", {
    open,
    onError: errors.onError,
  });
  const output = random(300);
  recorder.output(output);
  recorder.input(random(48000));
  match((await errors.first).message, /os error 5/);
  equal(headerWrites, 3, "the repair wrote the header again");
  deepEqual(openFilesUnder(tmp.path), []);
  await recorder.close();
  // The data that landed is cut off: the header, written again, counts none.
  deepEqual(await checkedData(recorder.inputPath), new Uint8Array());
  // The other file was finished with what it had when the recording stopped.
  deepEqual(await checkedData(recorder.outputPath), output);
});

Deno.test("SessionRecorder.open() into a path under a regular file rejects with the directory named, leaving nothing open", async () => {
  await using tmp = await tempDir();
  await Deno.writeTextFile(`${tmp.path}/file`, "not a directory");
  const dir = `${tmp.path}/file/recordings`;
  const before = openDescriptorCount();
  await rejects(SessionRecorder.open(dir, "sess_x"), (error: Error) => {
    match(
      error.message,
      /^Cannot record to .*\/file\/recordings: .*; make RECORD_DIR a writable directory/,
    );
    return true;
  });
  equal(openDescriptorCount(), before);
});

Deno.test("SessionRecorder.open() where the second file cannot be opened closes and removes the first", async () => {
  await using tmp = await tempDir();
  const open: OpenRecordingFile = (path, options) =>
    path.endsWith(".output.wav")
      ? Promise.reject(new Deno.errors.PermissionDenied("Permission denied (os error 13)"))
      : Deno.open(path, options);
  await rejects(SessionRecorder.open(tmp.path, "sess_half", { open }), /os error 13/);
  deepEqual(openFilesUnder(tmp.path), []);
  deepEqual([...Deno.readDirSync(tmp.path)], []);
});

Deno.test("SessionRecorder.close() is idempotent and reports a working recording once; discard() removes the files", async () => {
  await using tmp = await tempDir();
  let written = 0;
  const recorder = await SessionRecorder.open(tmp.path, "sess_ok", { onWritten: () => written++ });
  await Promise.all([recorder.close(), recorder.close()]);
  equal(written, 1, "a clean close of a recording without audio counts as working");
  equal(recorder.error, null);
  deepEqual(await checkedData(recorder.inputPath), new Uint8Array());
  await recorder.discard();
  deepEqual([...Deno.readDirSync(tmp.path)], []);
  deepEqual(openFilesUnder(tmp.path), []);
});
