import { deepEqual, equal, notStrictEqual, rejects } from "node:assert/strict";
import {
  deviceChoices,
  type DeviceInfo,
  type DeviceView,
  DeviceWatcher,
  initialDeviceView,
  inputGone,
  type InputInUse,
  type PermissionStatusLike,
} from "./devices.ts";

const mic = (deviceId: string, label = "") => ({ deviceId, kind: "audioinput", label });
const speaker = (deviceId: string, label = "") => ({ deviceId, kind: "audiooutput", label });

Deno.test("deviceChoices() splits inputs from outputs and numbers unlabelled devices", () => {
  const table: [string, DeviceInfo[], ReturnType<typeof deviceChoices>][] = [
    ["none", [], { inputs: [], outputs: [] }],
    [
      "labelled",
      [mic("default", "Default"), mic("a", "USB mic"), speaker("s", "Headphones")],
      {
        inputs: [{ deviceId: "default", label: "Default" }, { deviceId: "a", label: "USB mic" }],
        outputs: [{ deviceId: "s", label: "Headphones" }],
      },
    ],
    [
      "before the permission (no labels), numbered per kind",
      [mic(""), speaker(""), mic("b"), { deviceId: "v", kind: "videoinput", label: "Camera" }],
      {
        inputs: [{ deviceId: "", label: "Microphone 1" }, { deviceId: "b", label: "Microphone 2" }],
        outputs: [{ deviceId: "", label: "Speaker 1" }],
      },
    ],
  ];
  for (const [name, devices, want] of table) deepEqual(deviceChoices(devices), want, name);
});

Deno.test("inputGone() is true only when a chosen microphone left the list", () => {
  const inputs = [{ deviceId: "a", label: "A" }, { deviceId: "b", label: "B" }];
  const table: [string, string, boolean][] = [
    ["still there", "a", false],
    ["unplugged", "c", true],
    ["the default is never gone", "", false],
  ];
  for (const [name, id, want] of table) equal(inputGone(id, inputs), want, name);
  equal(inputGone("a", []), true, "an empty list");
});

/** `navigator.mediaDevices` with a list the test changes. */
class FakeMediaDevices extends EventTarget {
  devices: DeviceInfo[] = [];
  enumerateDevices(): Promise<DeviceInfo[]> {
    return Promise.resolve(this.devices);
  }
  change(devices: DeviceInfo[]): void {
    this.devices = devices;
    this.dispatchEvent(new Event("devicechange"));
  }
}

/** A capture on device `id` that records the switches asked of it. */
function fakeInput(id: string, fail = false): InputInUse & { switches: string[] } {
  const switches: string[] = [];
  return {
    switches,
    track: { getSettings: () => ({ deviceId: id }) },
    get deviceLabel() {
      return `label of ${id}`;
    },
    switchDevice(deviceId: string) {
      switches.push(deviceId);
      if (fail) return Promise.reject(new DOMException("busy", "NotReadableError"));
      id = deviceId;
      return Promise.resolve();
    },
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("DeviceWatcher lists devices, follows the microphone in use and reports changes", async () => {
  const media = new FakeMediaDevices();
  media.devices = [mic("a", "A"), mic("b", "B"), speaker("s", "S")];
  const views: DeviceView[] = [];
  const watcher = new DeviceWatcher({
    mediaDevices: media,
    canChooseOutput: true,
    onChange: (view) => views.push(view),
    onInputGone: () => {
      throw new Error("nothing was unplugged");
    },
  });
  await watcher.attach(fakeInput("b"));
  deepEqual(watcher.view, {
    permission: "unknown",
    deviceLabel: "label of b",
    inputs: [{ deviceId: "a", label: "A" }, { deviceId: "b", label: "B" }],
    inputId: "b",
    outputs: [{ deviceId: "s", label: "S" }],
    outputId: "",
    canChooseOutput: true,
  });
  equal(views.length, 1);
  // The same list again: nothing to draw.
  await watcher.refresh();
  equal(views.length, 1);
  watcher.chooseOutput("s");
  equal(watcher.view.outputId, "s");
  watcher.detach();
  equal(watcher.view.deviceLabel, "");
  // Detached: device changes are no longer followed.
  media.change([mic("c", "C")]);
  await tick();
  equal(watcher.view.inputs.length, 2);
});

Deno.test("DeviceWatcher asks for the default when the microphone in use is unplugged", async () => {
  const media = new FakeMediaDevices();
  media.devices = [mic("default", "Default"), mic("a", "A"), mic("b", "B")];
  const input = fakeInput("b");
  let gone = 0;
  const watcher: DeviceWatcher = new DeviceWatcher({
    mediaDevices: media,
    canChooseOutput: false,
    onChange() {},
    onInputGone: () => {
      gone++;
      watcher.chooseInput("");
    },
  });
  await watcher.attach(input);
  media.change([mic("default", "Default"), mic("a", "A")]);
  await tick();
  equal(gone, 1);
  deepEqual(input.switches, ["default"]);
  // The next change keeps the default: no second fallback.
  media.change([mic("default", "Default"), mic("a", "A"), mic("c", "C")]);
  await tick();
  equal(gone, 1);
  equal(watcher.view.inputId, "default");
  deepEqual(watcher.view.inputs.map((d) => d.deviceId), ["default", "a", "c"]);
});

Deno.test("DeviceWatcher.chooseInput() switches the running capture, and reports failure", async () => {
  const media = new FakeMediaDevices();
  media.devices = [mic("a", "A"), mic("b", "B")];
  const watcher = new DeviceWatcher({ mediaDevices: media, onChange() {}, onInputGone() {} });
  await watcher.chooseInput("a");
  equal(watcher.view.inputId, "a", "remembered for the next start");
  const input = fakeInput("a");
  await watcher.attach(input);
  await watcher.chooseInput("");
  deepEqual(input.switches, ["default"]);
  equal(watcher.view.deviceLabel, "label of default");
  const broken = fakeInput("a", true);
  await watcher.attach(broken);
  await rejects(watcher.chooseInput("b"), { name: "NotReadableError" });
  equal(watcher.view.inputId, "b");
});

Deno.test("DeviceWatcher follows the microphone permission", async () => {
  class Status extends EventTarget implements PermissionStatusLike {
    state: PermissionState = "prompt";
  }
  const status = new Status();
  const permissions: string[] = [];
  const watcher = new DeviceWatcher({
    mediaDevices: new FakeMediaDevices(),
    permissions: { query: () => Promise.resolve(status) },
    onChange: (view) => permissions.push(view.permission),
    onInputGone() {},
  });
  await watcher.watchPermission();
  status.state = "granted";
  status.dispatchEvent(new Event("change"));
  watcher.setPermission("denied");
  deepEqual(permissions, ["prompt", "granted", "denied"]);
  // A browser that cannot query it: the permission stays unknown, nothing throws.
  const quiet = new DeviceWatcher({
    mediaDevices: new FakeMediaDevices(),
    permissions: { query: () => Promise.reject(new TypeError("microphone is not a name")) },
    onChange() {},
    onInputGone() {},
  });
  await quiet.watchPermission();
  equal(quiet.view.permission, "unknown");
});

Deno.test("initialDeviceView() lists and chooses nothing, and says whether outputs can be chosen", () => {
  for (const choosable of [true, false]) {
    const view = initialDeviceView(choosable);
    const { permission, canChooseOutput, ...chosen } = view;
    equal(permission, "unknown");
    equal(canChooseOutput, choosable);
    deepEqual(chosen, { deviceLabel: "", inputs: [], inputId: "", outputs: [], outputId: "" });
    notStrictEqual(view.inputs, initialDeviceView(choosable).inputs, "a fresh record each time");
  }
});
