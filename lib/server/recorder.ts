/**
 * The recording tap: with `RECORD_DIR` set, each relay session writes
 * `<session-id>.input.wav` (exactly the audio forwarded upstream) and
 * `<session-id>.output.wav` (the assistant's audio), 24 kHz mono PCM16.
 *
 * Audio is buffered in memory and written at least once a second; after each write the
 * header's sizes are rewritten, so a crash leaves a valid file that lacks at most the last
 * second. `close()` writes what is left and the final header.
 *
 * @module
 */
import { WIRE_CHANNELS, WIRE_SAMPLE_RATE } from "@/lib/shared/audio_format.ts";
import { wavHeader } from "./wav.ts";

/** Flush at least this often. */
export const FLUSH_INTERVAL_MS = 1000;
/** Or as soon as this many bytes wait (one second of audio). */
const FLUSH_BYTES = WIRE_SAMPLE_RATE * 2;

class WavTrack {
  #file: Deno.FsFile;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #dataBytes = 0;
  #chain: Promise<void> = Promise.resolve();
  #error: unknown = null;

  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  static async create(path: string): Promise<WavTrack> {
    const file = await Deno.open(path, { write: true, create: true, truncate: true });
    await writeAll(file, wavHeader(WIRE_SAMPLE_RATE, WIRE_CHANNELS, 0));
    return new WavTrack(file);
  }

  /** Bytes accepted so far (written or waiting). */
  get bytes(): number {
    return this.#dataBytes + this.#pendingBytes;
  }

  push(bytes: Uint8Array): void {
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes >= FLUSH_BYTES) this.flush();
  }

  flush(): Promise<void> {
    if (this.#pendingBytes === 0) return this.#chain;
    const chunks = this.#pending;
    const size = this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#chain = this.#chain.then(async () => {
      if (this.#error) return;
      try {
        const data = new Uint8Array(size);
        let offset = 0;
        for (const chunk of chunks) {
          data.set(chunk, offset);
          offset += chunk.length;
        }
        await this.#file.seek(0, Deno.SeekMode.End);
        await writeAll(this.#file, data);
        this.#dataBytes += size;
        await this.#file.seek(0, Deno.SeekMode.Start);
        await writeAll(this.#file, wavHeader(WIRE_SAMPLE_RATE, WIRE_CHANNELS, this.#dataBytes));
      } catch (error) {
        this.#error = error;
      }
    });
    return this.#chain;
  }

  async close(): Promise<void> {
    await this.flush();
    this.#file.close();
    if (this.#error) throw this.#error;
  }
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
}

export class SessionRecorder {
  readonly inputPath: string;
  readonly outputPath: string;
  #input: WavTrack;
  #output: WavTrack;
  #timer: ReturnType<typeof setInterval>;

  private constructor(paths: [string, string], input: WavTrack, output: WavTrack) {
    [this.inputPath, this.outputPath] = paths;
    this.#input = input;
    this.#output = output;
    this.#timer = setInterval(() => {
      this.#input.flush();
      this.#output.flush();
    }, FLUSH_INTERVAL_MS);
  }

  /** Opens both files for `sessionId` in `dir` (created if missing). */
  static async open(dir: string, sessionId: string): Promise<SessionRecorder> {
    if (!/^[A-Za-z0-9_-]+$/.test(sessionId)) {
      throw new TypeError(`Cannot record session ${sessionId}: the id is not a safe file name`);
    }
    await Deno.mkdir(dir, { recursive: true });
    const paths: [string, string] = [
      `${dir}/${sessionId}.input.wav`,
      `${dir}/${sessionId}.output.wav`,
    ];
    const [input, output] = await Promise.all(paths.map((p) => WavTrack.create(p)));
    return new SessionRecorder(paths, input, output);
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

  /** Writes what is left and fixes both headers. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all([this.#input.close(), this.#output.close()]);
  }
}
