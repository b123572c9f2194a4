/**
 * The recording tap: with `RECORD_DIR` set, each relay session writes
 * `<session-id>.input.wav` (exactly the audio forwarded upstream) and
 * `<session-id>.output.wav` (the assistant's audio), 24 kHz mono PCM16.
 *
 * Audio is buffered in memory and written at least once a second; after each write the
 * header's sizes are rewritten, so a crash leaves a valid file that lacks at most the last
 * second. `close()` writes what is left and the final header.
 *
 * A recording never fails its session. {@linkcode SessionRecorder.open} rejects when the
 * files cannot be made (the caller goes on unrecorded). A write that fails later (disk full,
 * I/O error) stops the recording at once: the failed file is cut back to the audio its header
 * counts, both files and the flush timer are closed, and `onError` is called once. The
 * header's sizes always equal the bytes after it, whatever failed. `close()` and `discard()`
 * never reject.
 *
 * @module
 */
import { BYTES_PER_MS, WIRE_CHANNELS, WIRE_SAMPLE_RATE } from "@/lib/shared/audio_format.ts";
import { WAV_HEADER_BYTES, wavHeader } from "./wav.ts";

/** Flush at least this often. */
export const FLUSH_INTERVAL_MS = 1000;
/** Or as soon as this many bytes wait (one second of audio). */
const FLUSH_BYTES = 1000 * BYTES_PER_MS;

/** The part of `Deno.FsFile` the recorder uses (tests pass files whose writes fail). */
export interface RecordingFile {
  write(bytes: Uint8Array): Promise<number>;
  seek(offset: number, whence: Deno.SeekMode): Promise<number>;
  truncate(length?: number): Promise<void>;
  close(): void;
}

/** Opens one recording file for writing, like `Deno.open`. */
export type OpenRecordingFile = (
  path: string,
  options: Deno.OpenOptions,
) => Promise<RecordingFile>;

export interface RecorderOptions {
  /**
   * Opens each file.
   * @default Deno.open
   */
  open?: OpenRecordingFile;
  /**
   * Called once, when a write fails; the recording has stopped and its files are closed by
   * then. Not called when `open()` rejects. Callbacks must not throw (their errors are
   * dropped).
   * @default undefined
   */
  onError?: (error: Error) => void;
  /**
   * Called once, when audio first reached the disk with its header (or at a clean close of
   * a recording that got no audio): recording works.
   * @default undefined
   */
  onWritten?: () => void;
}

/** How a track tells its recorder that a flush landed or failed. */
interface TrackEvents {
  written(): void;
  failed(error: Error): void;
}

function openFile(path: string, options: Deno.OpenOptions): Promise<RecordingFile> {
  return Deno.open(path, options);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** One WAV file: its header always counts exactly the data bytes that follow it. */
class WavTrack {
  #file: RecordingFile;
  #events: TrackEvents;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Data bytes on disk, as the header on disk counts them. */
  #dataBytes = 0;
  #chain: Promise<void> = Promise.resolve();
  #failed = false;
  #closing: Promise<void> | null = null;

  constructor(file: RecordingFile, events: TrackEvents) {
    this.#file = file;
    this.#events = events;
  }

  /** Creates the file with an empty header; on failure the file is closed and removed. */
  static async create(path: string, open: OpenRecordingFile, events: TrackEvents) {
    const file = await open(path, { write: true, create: true, truncate: true });
    try {
      await writeAll(file, wavHeader(WIRE_SAMPLE_RATE, WIRE_CHANNELS, 0));
    } catch (error) {
      closeQuietly(file);
      await Deno.remove(path).catch(() => {});
      throw error;
    }
    return new WavTrack(file, events);
  }

  /** Bytes accepted so far (on disk or waiting). */
  get bytes(): number {
    return this.#dataBytes + this.#pendingBytes;
  }

  push(bytes: Uint8Array): void {
    if (this.#failed || this.#closing) return;
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes >= FLUSH_BYTES) this.flush();
  }

  /** Writes what waits; never rejects (a failure is reported through `failed`). */
  flush(): Promise<void> {
    if (this.#pendingBytes === 0 || this.#failed) return this.#chain;
    const chunks = this.#pending;
    const size = this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#chain = this.#chain.then(() => this.#write(chunks, size));
    return this.#chain;
  }

  async #write(chunks: Uint8Array[], size: number): Promise<void> {
    if (this.#failed) return;
    const data = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      data.set(chunk, offset);
      offset += chunk.length;
    }
    try {
      await this.#file.seek(WAV_HEADER_BYTES + this.#dataBytes, Deno.SeekMode.Start);
      await writeAll(this.#file, data);
      await this.#file.seek(0, Deno.SeekMode.Start);
      await writeAll(
        this.#file,
        wavHeader(WIRE_SAMPLE_RATE, WIRE_CHANNELS, this.#dataBytes + size),
      );
      this.#dataBytes += size;
    } catch (error) {
      this.#failed = true;
      await this.#repair();
      this.#events.failed(asError(error));
      return;
    }
    this.#events.written();
  }

  /**
   * After a failed write, makes the file what its header says: the data that landed past
   * the last counted byte is cut off, and the header is written again in case the failure
   * hit it part-way. Best effort: a file system that refuses this too keeps what it has.
   */
  async #repair(): Promise<void> {
    try {
      await this.#file.truncate(WAV_HEADER_BYTES + this.#dataBytes);
      await this.#file.seek(0, Deno.SeekMode.Start);
      await writeAll(this.#file, wavHeader(WIRE_SAMPLE_RATE, WIRE_CHANNELS, this.#dataBytes));
    } catch {
      // Reported already: the write's own error is the one that matters.
    }
  }

  /** Writes what waits, then closes the file; the same promise on every call. */
  close(): Promise<void> {
    this.#closing ??= this.flush().then(() => closeQuietly(this.#file));
    return this.#closing;
  }
}

async function writeAll(file: RecordingFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
}

function closeQuietly(file: RecordingFile): void {
  try {
    file.close();
  } catch {
    // Already closed.
  }
}

export class SessionRecorder {
  readonly inputPath: string;
  readonly outputPath: string;
  #input!: WavTrack;
  #output!: WavTrack;
  #options: RecorderOptions;
  #timer: ReturnType<typeof setInterval> | null = null;
  #error: Error | null = null;
  #wrote = false;
  #closing: Promise<void> | null = null;

  private constructor(paths: [string, string], options: RecorderOptions) {
    [this.inputPath, this.outputPath] = paths;
    this.#options = options;
  }

  /**
   * Opens both files for `sessionId` in `dir` (created if missing).
   *
   * @throws {TypeError} when `sessionId` is not a safe file name
   * @throws {Error} when the directory or a file cannot be made (nothing is left open)
   */
  static async open(
    dir: string,
    sessionId: string,
    options: RecorderOptions = {},
  ): Promise<SessionRecorder> {
    if (!/^[A-Za-z0-9_-]+$/.test(sessionId)) {
      throw new TypeError(`Cannot record session ${sessionId}: the id is not a safe file name`);
    }
    const recorder = new SessionRecorder(
      [`${dir}/${sessionId}.input.wav`, `${dir}/${sessionId}.output.wav`],
      options,
    );
    try {
      await Deno.mkdir(dir, { recursive: true });
      await recorder.#openTracks();
    } catch (error) {
      throw new Error(
        `Cannot record to ${dir}: ${
          asError(error).message
        }; make RECORD_DIR a writable directory with free space, or unset it`,
        { cause: error },
      );
    }
    return recorder;
  }

  async #openTracks(): Promise<void> {
    const open = this.#options.open ?? openFile;
    const events: TrackEvents = {
      written: () => this.#written(),
      failed: (error) => this.#fail(error),
    };
    const tracks = await Promise.allSettled(
      [this.inputPath, this.outputPath].map((path) => WavTrack.create(path, open, events)),
    );
    const failure = tracks.find((t) => t.status === "rejected");
    if (failure) {
      // One file opened and the other did not: close and remove the one that did.
      await Promise.all(tracks.map(async (t, i) => {
        if (t.status !== "fulfilled") return;
        await t.value.close();
        await Deno.remove(i === 0 ? this.inputPath : this.outputPath).catch(() => {});
      }));
      throw failure.reason;
    }
    [this.#input, this.#output] = tracks.map((t) => (t as PromiseFulfilledResult<WavTrack>).value);
    this.#timer = setInterval(() => {
      this.#input.flush();
      this.#output.flush();
    }, FLUSH_INTERVAL_MS);
  }

  /** Audio forwarded upstream (PCM16 bytes; the array must not be reused by the caller). */
  input(bytes: Uint8Array): void {
    this.#input.push(bytes);
  }

  /** Assistant audio received from upstream. */
  output(bytes: Uint8Array): void {
    this.#output.push(bytes);
  }

  get inputBytes(): number {
    return this.#input.bytes;
  }

  get outputBytes(): number {
    return this.#output.bytes;
  }

  /** Why the recording stopped early, or null while it works. */
  get error(): Error | null {
    return this.#error;
  }

  /** Writes what is left, fixes both headers and closes the files; never rejects. */
  close(): Promise<void> {
    this.#closing ??= this.#finish();
    return this.#closing;
  }

  /** Closes the files and removes them: for a session that never started. Never rejects. */
  async discard(): Promise<void> {
    await this.close();
    await Promise.all(
      [this.inputPath, this.outputPath].map((path) => Deno.remove(path).catch(() => {})),
    );
  }

  async #finish(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await Promise.all([this.#input.close(), this.#output.close()]);
    if (!this.#error) this.#written();
  }

  #written(): void {
    if (this.#wrote || this.#error) return;
    this.#wrote = true;
    notify(() => this.#options.onWritten?.());
  }

  /** The first failure stops the recording: both files closed, then `onError`, once. */
  #fail(error: Error): void {
    if (this.#error) return;
    this.#error = error;
    // Not awaited here: this runs inside the failed track's write, which close() waits for.
    this.close().then(() => notify(() => this.#options.onError?.(error)));
  }
}

/**
 * Calls back the recorder's owner. A callback that throws must not reject a write or a
 * timer's flush (an unhandled rejection ends the process): its error is dropped.
 */
function notify(callback: () => void): void {
  try {
    callback();
  } catch {
    // See above.
  }
}
