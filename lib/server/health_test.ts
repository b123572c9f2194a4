import { deepEqual, equal } from "node:assert/strict";
import { Health } from "./health.ts";

Deno.test("Health reports ok until a part degrades, and recovers with it", () => {
  const health = new Health({ recording: true });
  deepEqual(health.report(), {
    status: "ok",
    recording: "ok",
    listener: { status: "ok", restarts: 0 },
  });
  health.recordingFailed();
  equal(health.report().status, "degraded");
  equal(health.report().recording, "degraded");
  health.recordingRecovered();
  equal(health.report().status, "ok");
  health.listenerFailed();
  deepEqual(health.report().listener, { status: "degraded", restarts: 0 });
  health.listenerRestarted();
  deepEqual(health.report().listener, { status: "ok", restarts: 1 });
  equal(health.report().status, "ok");
});

Deno.test("Health says recording is off when nothing is recorded, and stays so", () => {
  const health = new Health({ recording: false });
  health.recordingFailed();
  equal(health.report().recording, "off");
  equal(health.report().status, "ok");
});
