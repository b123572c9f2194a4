/**
 * One relay session's recording, from opening to closing: the files open while the upstream
 * connects, take the audio forwarded each way once the session runs, and are closed however
 * the session ends, or removed when it never reached the upstream (nothing was recorded).
 *
 * A recording never fails its session: one that cannot open or write is logged (with the
 * directory: the log is the server's), counted in `recording_failures` and shown on
 * `/healthz` once, and the session goes on unrecorded. The file format and the write-failure
 * handling are {@linkcode SessionRecorder}'s (`recorder.ts`).
 *
 * ```ts
 * const recording = new RelayRecording({ dir: "/tmp/rec", sessionId, log, metrics, health });
 * recording.open();             // at once, while the upstream connects
 * await recording.ready();      // input() and output() record from now on
 * recording.input(pcm16);
 * await recording.finish(true); // closes the files (false: removes them)
 * ```
 *
 * @module
 */
import { decodeBase64 } from "@/lib/shared/base64.ts";
import type { Health } from "./health.ts";
import type { Logger } from "./log.ts";
import type { RelayMetrics } from "./metrics.ts";
import { type OpenRecordingFile, SessionRecorder } from "./recorder.ts";

/** Options of {@linkcode RelayRecording}. */
export interface RelayRecordingOptions {
  /** Where the files go (`RECORD_DIR`); null records nothing. */
  dir: string | null;
  /** Names the files: `<sessionId>.input.wav` and `<sessionId>.output.wav`. */
  sessionId: string;
  /** The session's logger. */
  log: Logger;
  /** Counts failures (`recording_failures`). */
  metrics: RelayMetrics;
  /** Told when a recording fails and when one works again. */
  health: Health;
  /**
   * Opens the recording's files (tests pass files that fail).
   * @default Deno.open
   */
  openFile?: OpenRecordingFile;
}

export class RelayRecording {
  #options: RelayRecordingOptions;
  /** The files as they open (null until {@linkcode open}, or when `dir` is null). */
  #opening: Promise<SessionRecorder | null> | null = null;
  /** Set by {@linkcode ready}: the recorder that takes audio. */
  #recorder: SessionRecorder | null = null;
  #failed = false;

  constructor(options: RelayRecordingOptions) {
    this.#options = options;
  }

  /**
   * Starts opening the files (once; later calls do nothing). Never rejects: a recording that
   * cannot open is reported and the session goes on unrecorded.
   */
  open(): void {
    const { dir, sessionId, health, openFile } = this.#options;
    if (dir === null || this.#opening) return;
    this.#opening = SessionRecorder.open(dir, sessionId, {
      open: openFile,
      onError: (error) => this.#onFailed(error),
      onWritten: () => health.recordingRecovered(),
    }).catch((error) => {
      this.#onFailed(error);
      return null;
    });
  }

  /** Waits for the files to open; from then on {@linkcode input} and {@linkcode output} record. */
  async ready(): Promise<void> {
    this.#recorder = await this.#opening;
  }

  /**
   * Whether appended audio is worth decoding: a recorder is ready and has not failed. Appends
   * that come as JSON are only decoded when they are to be recorded.
   */
  get wantsInput(): boolean {
    return this.#recorder !== null && !this.#failed;
  }

  /** Audio forwarded upstream (PCM16; the array must not be reused by the caller). */
  input(audio: Uint8Array): void {
    this.#recorder?.input(audio);
  }

  /** An assistant audio delta as the upstream sent it (base64 PCM16); anything else is skipped. */
  output(delta: unknown): void {
    if (!this.#recorder || typeof delta !== "string") return;
    try {
      this.#recorder.output(decodeBase64(delta));
    } catch (error) {
      this.#options.log.warn("could not record an output delta", { error: String(error) });
    }
  }

  /**
   * Closes the files and removes them, once they have opened: for a session that will not use
   * its recording (nothing was recorded). Never rejects.
   */
  async discard(): Promise<void> {
    const recorder = await this.#opening;
    this.#recorder = null;
    await recorder?.discard();
  }

  /**
   * Closes the recording however the session ended, once it has opened: kept when the session
   * reached the upstream, removed otherwise. Resolves to the recorder (for its byte counts), or
   * null when nothing was recorded. Never rejects.
   */
  async finish(reachedUpstream: boolean): Promise<SessionRecorder | null> {
    const recorder = await this.#opening;
    if (!recorder) return null;
    if (reachedUpstream) await recorder.close();
    else await recorder.discard();
    return recorder;
  }

  /** Logs, counts and marks health, once. */
  #onFailed(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#options.log.error("recording failed; the session goes on unrecorded", {
      error: error instanceof Error ? error.message : String(error),
    });
    this.#options.metrics.recordingFailures.inc();
    this.#options.health.recordingFailed();
  }
}
