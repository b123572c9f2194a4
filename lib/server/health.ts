/**
 * What `/healthz` reports beyond "the process answers": parts of the server that can degrade
 * while requests are still served (the recorder, the HTTP listener), as the parts themselves
 * report it. No secrets and no paths: the report is public.
 *
 * @module
 */

export type PartStatus = "ok" | "degraded";

export interface HealthReport {
  status: PartStatus;
  recording: PartStatus | "off";
  listener: { status: PartStatus; restarts: number };
}

export class Health {
  #recording: PartStatus | "off";
  #listenerRestarts = 0;
  #listenerDown = false;

  constructor(options: { recording: boolean }) {
    this.#recording = options.recording ? "ok" : "off";
  }

  /** A recorder could not open or write: sessions go on unrecorded. */
  recordingFailed(): void {
    if (this.#recording !== "off") this.#recording = "degraded";
  }

  /** A recorder opened and wrote again: recording works. */
  recordingRecovered(): void {
    if (this.#recording !== "off") this.#recording = "ok";
  }

  /** The listener failed (descriptors ran out) and is being restarted. */
  listenerFailed(): void {
    this.#listenerDown = true;
  }

  /** The listener serves again after a failure. */
  listenerRestarted(): void {
    this.#listenerDown = false;
    this.#listenerRestarts++;
  }

  report(): HealthReport {
    const listener: PartStatus = this.#listenerDown ? "degraded" : "ok";
    const degraded = this.#recording === "degraded" || listener === "degraded";
    return {
      status: degraded ? "degraded" : "ok",
      recording: this.#recording,
      listener: { status: listener, restarts: this.#listenerRestarts },
    };
  }
}
