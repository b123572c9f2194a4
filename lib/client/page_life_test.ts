import { equal } from "node:assert/strict";
import { ScreenWake, type WakeLockApi, watchPageLife } from "./page_life.ts";

function fakeWakeLock(refuse = false) {
  const calls = { requests: 0, releases: 0 };
  const api: WakeLockApi = {
    request() {
      calls.requests++;
      if (refuse) return Promise.reject(new DOMException("hidden", "NotAllowedError"));
      return Promise.resolve({
        release: () => {
          calls.releases++;
          return Promise.resolve();
        },
      });
    },
  };
  return { api, calls };
}

Deno.test("ScreenWake holds the screen while wanted and asks again when the page is visible", async () => {
  const { api, calls } = fakeWakeLock();
  const wake = new ScreenWake(api);
  await wake.acquire();
  await wake.acquire();
  equal(calls.requests, 1);
  equal(wake.held, true);
  // Hidden and shown: the browser dropped the lock, so it is asked for again.
  await wake.visible();
  equal(calls.requests, 2);
  await wake.release();
  equal(calls.releases, 1);
  equal(wake.held, false);
  await wake.visible();
  equal(calls.requests, 2, "not wanted any more: not asked for");
});

Deno.test("ScreenWake runs without a wake lock, and when the browser refuses one", async () => {
  const none = new ScreenWake(null);
  await none.acquire();
  equal(none.held, false);
  const { api, calls } = fakeWakeLock(true);
  const refused = new ScreenWake(api);
  await refused.acquire();
  equal(calls.requests, 1);
  equal(refused.held, false);
  await refused.release();
});

Deno.test("watchPageLife() does nothing where there is no document", () => {
  const stop = watchPageLife({
    onHide: () => {},
    onShow: () => {},
    onVisible: () => {},
    onFirstGesture: () => {},
  });
  equal(typeof stop, "function");
  stop();
});
