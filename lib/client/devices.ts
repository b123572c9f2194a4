/**
 * The audio devices around a voice session: the microphones and speakers the browser offers,
 * the ones chosen, the microphone permission, and what to do when the microphone in use goes
 * away (fall back to the browser's default).
 *
 * {@linkcode DeviceWatcher} owns the listening (`devicechange`, the permission's `change`)
 * and publishes a {@linkcode DeviceView} whenever any of it changes; the controller tells it
 * which capture is running and does the switching itself. The pure parts
 * ({@linkcode deviceChoices}, {@linkcode inputGone}) are what the tests pin down.
 *
 * @module
 */

/** A device as the pickers show it. */
export interface DeviceChoice {
  deviceId: string;
  label: string;
}

/** Everything the device controls show. */
export interface DeviceView {
  permission: PermissionState | "unknown";
  /** Label of the microphone in use ("" when none is open). */
  deviceLabel: string;
  inputs: DeviceChoice[];
  /** The chosen microphone ("" is the browser's default). */
  inputId: string;
  outputs: DeviceChoice[];
  /** The chosen speaker ("" is the browser's default). */
  outputId: string;
  /** Whether this browser can send audio to a chosen speaker (`setSinkId`). */
  canChooseOutput: boolean;
}

/** The part of `MediaDeviceInfo` the pickers use. */
export interface DeviceInfo {
  deviceId: string;
  kind: string;
  label: string;
}

/** The part of `navigator.mediaDevices` the watcher uses. */
export interface MediaDevicesLike extends EventTarget {
  enumerateDevices(): Promise<DeviceInfo[]>;
}

/** The part of `navigator.permissions` the watcher uses. */
export interface PermissionsLike {
  query(descriptor: { name: PermissionName }): Promise<PermissionStatusLike>;
}

/** The part of `PermissionStatus` the watcher uses. */
export interface PermissionStatusLike extends EventTarget {
  readonly state: PermissionState;
}

/** The running microphone, as far as devices are concerned (a `MicCapture`). */
export interface InputInUse {
  readonly track: { getSettings(): { deviceId?: string } };
  readonly deviceLabel: string;
  switchDevice(deviceId: string): Promise<void>;
}

/**
 * The browser's inputs and outputs as picker choices, in the browser's order. Devices without
 * a label (before the permission is granted) are numbered per kind.
 */
export function deviceChoices(
  devices: readonly DeviceInfo[],
): { inputs: DeviceChoice[]; outputs: DeviceChoice[] } {
  const choices = (kind: string, name: string) =>
    devices.filter((d) => d.kind === kind).map((d, i) => ({
      deviceId: d.deviceId,
      label: d.label || `${name} ${i + 1}`,
    }));
  return {
    inputs: choices("audioinput", "Microphone"),
    outputs: choices("audiooutput", "Speaker"),
  };
}

/** Whether the microphone in use (`inUseId`) is no longer among `inputs`. */
export function inputGone(inUseId: string, inputs: readonly DeviceChoice[]): boolean {
  return inUseId !== "" && !inputs.some((d) => d.deviceId === inUseId);
}

function sameChoices(a: readonly DeviceChoice[], b: readonly DeviceChoice[]): boolean {
  return a.length === b.length &&
    a.every((d, i) => d.deviceId === b[i].deviceId && d.label === b[i].label);
}

/** Whether media elements can play to a chosen output here. */
export function canChooseOutput(): boolean {
  return typeof globalThis.HTMLMediaElement === "function" &&
    typeof (HTMLMediaElement.prototype as { setSinkId?: unknown }).setSinkId === "function";
}

/** What the page knows of the devices before it has asked: nothing listed, nothing chosen. */
export function initialDeviceView(outputChoosable: boolean): DeviceView {
  return {
    permission: "unknown",
    deviceLabel: "",
    inputs: [],
    inputId: "",
    outputs: [],
    outputId: "",
    canChooseOutput: outputChoosable,
  };
}

export interface DeviceWatcherOptions {
  /** Receives the whole view each time a part of it changes. */
  onChange(view: DeviceView): void;
  /** The microphone in use went away; switch to the default one. */
  onInputGone(): void;
  /** @default navigator.mediaDevices */
  mediaDevices?: MediaDevicesLike;
  /** @default navigator.permissions */
  permissions?: PermissionsLike;
  /** @default canChooseOutput() */
  canChooseOutput?: boolean;
}

/** Keeps the device lists, the choices and the permission, and says when they change. */
export class DeviceWatcher {
  #options: DeviceWatcherOptions;
  #view: DeviceView;
  #input: InputInUse | null = null;
  #mediaDevices: MediaDevicesLike | undefined;

  constructor(options: DeviceWatcherOptions) {
    this.#options = options;
    this.#mediaDevices = options.mediaDevices ?? globalThis.navigator?.mediaDevices;
    this.#view = initialDeviceView(options.canChooseOutput ?? canChooseOutput());
  }

  get view(): DeviceView {
    return this.#view;
  }

  /** Follows the microphone permission, where the browser lets a page query it. */
  async watchPermission(): Promise<void> {
    const permissions = this.#options.permissions ?? globalThis.navigator?.permissions;
    try {
      const status = await permissions.query({ name: "microphone" as PermissionName });
      status.addEventListener("change", () => this.#update({ permission: status.state }));
      this.#update({ permission: status.state });
    } catch {
      // Not every browser can query the microphone permission.
    }
  }

  /** What a start or a failed start taught about the permission. */
  setPermission(permission: PermissionState): void {
    this.#update({ permission });
  }

  /** A capture runs: follow device changes and fall back if its microphone goes away. */
  async attach(input: InputInUse): Promise<void> {
    this.#input = input;
    this.#mediaDevices?.removeEventListener("devicechange", this.#onDeviceChange);
    this.#mediaDevices?.addEventListener("devicechange", this.#onDeviceChange);
    await this.refresh();
  }

  /** The capture stopped. */
  detach(): void {
    this.#input = null;
    this.#mediaDevices?.removeEventListener("devicechange", this.#onDeviceChange);
    this.#update({ deviceLabel: "" });
  }

  /**
   * Chooses the microphone ("" for the browser's default) and, while a capture runs, switches
   * it over. Rejects with the browser's error when the device cannot be opened.
   */
  async chooseInput(deviceId: string): Promise<void> {
    this.#update({ inputId: deviceId });
    const input = this.#input;
    if (!input) return;
    try {
      await input.switchDevice(deviceId || "default");
    } finally {
      if (this.#input === input) this.#update({ deviceLabel: input.deviceLabel });
    }
  }

  /** Records the speaker chosen ("" for the default). */
  chooseOutput(deviceId: string): void {
    this.#update({ outputId: deviceId });
  }

  /** Reads the device lists again; asks for a fallback if the microphone in use is gone. */
  async refresh(): Promise<void> {
    const devices = await this.#mediaDevices?.enumerateDevices() ?? [];
    const { inputs, outputs } = deviceChoices(devices);
    const input = this.#input;
    const inUse = input?.track.getSettings().deviceId;
    this.#update({
      inputs,
      outputs,
      inputId: inUse || this.#view.inputId,
      deviceLabel: input?.deviceLabel ?? "",
    });
    if (input && inputGone(this.#view.inputId, inputs)) this.#options.onInputGone();
  }

  readonly #onDeviceChange = () => {
    this.refresh();
  };

  #update(changes: Partial<DeviceView>): void {
    let changed = false;
    for (const [key, value] of Object.entries(changes)) {
      const old = this.#view[key as keyof DeviceView];
      if (Array.isArray(value) ? !sameChoices(old as DeviceChoice[], value) : old !== value) {
        changed = true;
      }
    }
    if (!changed) return;
    this.#view = { ...this.#view, ...changes };
    this.#options.onChange(this.#view);
  }
}
