/**
 * A disk with little free space, for recording tests: files opened through `disk.open` are
 * real files, but a write that would grow them past the free space lands only the bytes that
 * fit and the next one fails with ENOSPC, as write(2) does on a full disk. Overwriting bytes
 * takes no space; truncating a file gives its space back.
 *
 * @module
 */
import type { OpenRecordingFile, RecordingFile } from "@/lib/server/recorder.ts";

/** The error a write gets on a full disk. */
export function noSpaceError(): Error {
  return Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });
}

export class FullDisk {
  /** Bytes that may still be added to files opened through this disk. */
  free: number;
  /** Writes that failed with ENOSPC. */
  failures = 0;

  constructor(freeBytes: number) {
    this.free = freeBytes;
  }

  /** Opens a real file whose growth is charged to this disk (a `Deno.open` stand-in). */
  readonly open: OpenRecordingFile = async (path, options) => {
    const file = await Deno.open(path, options);
    return new LimitedFile(file, this, (await file.stat()).size);
  };
}

class LimitedFile implements RecordingFile {
  #file: Deno.FsFile;
  #disk: FullDisk;
  #position = 0;
  #size: number;

  constructor(file: Deno.FsFile, disk: FullDisk, size: number) {
    this.#file = file;
    this.#disk = disk;
    this.#size = size;
  }

  async write(bytes: Uint8Array): Promise<number> {
    const growth = Math.max(0, this.#position + bytes.length - this.#size);
    let length = bytes.length;
    if (growth > this.#disk.free) {
      length -= growth - this.#disk.free;
      if (length <= 0) {
        this.#disk.failures++;
        throw noSpaceError();
      }
    }
    const written = await this.#file.write(bytes.subarray(0, length));
    this.#position += written;
    if (this.#position > this.#size) {
      this.#disk.free -= this.#position - this.#size;
      this.#size = this.#position;
    }
    return written;
  }

  async seek(offset: number, whence: Deno.SeekMode): Promise<number> {
    this.#position = await this.#file.seek(offset, whence);
    return this.#position;
  }

  async truncate(length = 0): Promise<void> {
    await this.#file.truncate(length);
    if (length < this.#size) this.#disk.free += this.#size - length;
    this.#size = length;
  }

  close(): void {
    this.#file.close();
  }
}
