/**
 * The audio engine in headless Chromium: the bundled worklets load with `addModule()`, capture
 * turns an OscillatorNode (and the fake microphone, through `MicCapture`) into exact 20 ms
 * frames, and `Player` plays items to the end, reports what was played, and stops on a flush.
 *
 * No assertion depends on how fast this machine runs: counts are bounded loosely and the
 * checks are on content (frame sizes, tone level, sample accounting).
 *
 * @module
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { build, readAssets } from "../framework/builder.ts";
import { ENTRIES } from "../build.ts";
import { launchBrowser } from "@/testing/browser.ts";
import { bundleForBrowser } from "@/testing/bundle.ts";

const ROOT = new URL("../", import.meta.url);

/** The worklet bundles from `deno task build`, built now if missing. */
async function workletFiles(): Promise<{ capture: string; playback: string }> {
  let assets = await readAssets();
  if (!assets?.["capture_worklet.js"] || !assets["playback_worklet.js"]) {
    assets = await build({ entries: ENTRIES });
  }
  const file = (url: string) => new URL(`_fresh/static/${url.split("/").pop()}`, ROOT);
  return {
    capture: await Deno.readTextFile(file(assets["capture_worklet.js"])),
    playback: await Deno.readTextFile(file(assets["playback_worklet.js"])),
  };
}

/** Bundles the main-thread classes into one script that sets `globalThis.audioEngine`. */
async function pageScript(): Promise<string> {
  const lib = new URL("lib/client/", ROOT).href;
  const entry = `import { MicCapture } from "${lib}mic_capture.ts";
import { Player } from "${lib}player.ts";
import { CAPTURE_PROCESSOR, PLAYBACK_PROCESSOR } from "${lib}worklet_messages.ts";
Object.assign(globalThis, {
  audioEngine: { MicCapture, Player, CAPTURE_PROCESSOR, PLAYBACK_PROCESSOR },
});
`;
  return await bundleForBrowser({ "entry.ts": entry }, "entry.ts", "the test page");
}

async function withPage(
  fakeMicrophone: string | undefined,
  run: (page: Page, problems: string[]) => Promise<void>,
): Promise<void> {
  const [{ capture, playback }, script] = await Promise.all([workletFiles(), pageScript()]);
  const files: Record<string, [string, string]> = {
    "/": ['<!doctype html><script type="module" src="/page.js"></script>', "text/html"],
    "/page.js": [script, "text/javascript"],
    "/capture.js": [capture, "text/javascript"],
    "/playback.js": [playback, "text/javascript"],
    "/favicon.ico": ["", "image/x-icon"],
  };
  const controller = new AbortController();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: controller.signal, onListen() {} },
    (request) => {
      const found = files[new URL(request.url).pathname];
      if (!found) return new Response("Not found", { status: 404 });
      return new Response(found[0], { headers: { "content-type": found[1] } });
    },
  );
  const browser = await launchBrowser(fakeMicrophone ? { fakeMicrophone } : {});
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(String(error)));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    await page.goto(`http://127.0.0.1:${server.addr.port}/`);
    await page.waitForFunction(() => "audioEngine" in globalThis);
    await run(page, problems);
  } finally {
    await browser.close();
    controller.abort();
    await server.finished;
  }
}

Deno.test("the capture worklet turns an OscillatorNode into exact 20 ms frames", async () => {
  await withPage(undefined, async (page, problems) => {
    const result = await page.evaluate(async () => {
      // deno-lint-ignore no-explicit-any
      const { CAPTURE_PROCESSOR } = (globalThis as any).audioEngine;
      const ctx = new AudioContext();
      await ctx.audioWorklet.addModule("/capture.js");
      const node = new AudioWorkletNode(ctx, CAPTURE_PROCESSOR, {
        numberOfInputs: 1,
        numberOfOutputs: 0,
      });
      const frames: { frame: Uint8Array; time: number }[] = [];
      let levels = 0;
      node.port.onmessage = (event) => {
        if (event.data.type === "frame") frames.push(event.data);
        else if (event.data.type === "level") levels++;
      };
      const osc = new OscillatorNode(ctx, { frequency: 1000 });
      // Stereo in (the worklet must mix it): the tone on the left, silence on the right.
      const merger = new ChannelMergerNode(ctx, { numberOfInputs: 2 });
      osc.connect(new GainNode(ctx, { gain: 0.8 })).connect(merger, 0, 0);
      merger.connect(node);
      osc.start();
      await ctx.resume();
      while (frames.length < 30) await new Promise((resolve) => setTimeout(resolve, 50));
      await ctx.close();
      const tail = frames.slice(5);
      let sum = 0;
      let count = 0;
      for (const { frame } of tail) {
        const pcm = new Int16Array(frame.buffer, frame.byteOffset, frame.length / 2);
        for (const v of pcm) {
          sum += (v / 32768) ** 2;
          count++;
        }
      }
      const gaps = frames.slice(1).map((f, i) => f.time - frames[i].time);
      return {
        sampleRate: ctx.sampleRate,
        lengths: [...new Set(frames.map((f) => f.frame.length))],
        owned: frames.every((f) => f.frame.byteLength === f.frame.buffer.byteLength),
        rms: Math.sqrt(sum / count),
        gapError: Math.max(...gaps.map((gap) => Math.abs(gap - 0.02))),
        levels,
      };
    });
    deepEqual(result.lengths, [960]);
    ok(result.owned, "each frame owns its buffer");
    // 0.8 on one of two channels, averaged: 0.4 peak, 0.283 RMS.
    ok(
      Math.abs(result.rms - 0.4 / Math.SQRT2) < 0.01,
      `rms ${result.rms} at ${result.sampleRate} Hz`,
    );
    ok(result.gapError < 0.0005, `frame times off 20 ms by up to ${result.gapError} s`);
    ok(result.levels > 0, "level messages arrive");
    deepEqual(problems, []);
  });
});

Deno.test("MicCapture delivers frames from the fake microphone, switches device, releases it on stop()", async () => {
  const wav = new URL("fixtures/speech_48k.wav", import.meta.url).pathname;
  await withPage(wav, async (page, problems) => {
    const result = await page.evaluate(async () => {
      // deno-lint-ignore no-explicit-any
      const { MicCapture } = (globalThis as any).audioEngine;
      const ctx = new AudioContext();
      const lags: number[] = [];
      const sizes = new Set<number>();
      let peak = 0;
      const capture = await MicCapture.start(ctx, {
        workletUrl: "/capture.js",
        onFrame(frame: Uint8Array, info: { capturedAt: number }) {
          sizes.add(frame.length);
          lags.push(performance.now() - info.capturedAt);
        },
        onLevel(_rms: number, p: number) {
          peak = Math.max(peak, p);
        },
      });
      await ctx.resume();
      while (capture.frames < 25) await new Promise((resolve) => setTimeout(resolve, 50));
      // Hot swap: the worklet stays, frames go on, the old track is released.
      const oldTrack = capture.track;
      const inputs = (await navigator.mediaDevices.enumerateDevices())
        .filter((device) => device.kind === "audioinput");
      await capture.switchDevice(inputs.at(-1)!.deviceId);
      const framesAtSwitch = capture.frames;
      // Long enough to reach the fixture's speech (it starts at 0.6 s).
      while (capture.frames < Math.max(100, framesAtSwitch + 25)) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      capture.stop();
      const framesAtStop = capture.frames;
      await new Promise((resolve) => setTimeout(resolve, 200));
      return {
        label: capture.deviceLabel,
        inputRate: capture.inputRate,
        sizes: [...sizes],
        minLag: Math.min(...lags),
        trackState: capture.track.readyState,
        oldTrackState: oldTrack.readyState,
        swapped: oldTrack !== capture.track,
        framesAfterSwitch: capture.frames - framesAtSwitch,
        framesAfterStop: capture.frames - framesAtStop,
        peak,
      };
    });
    deepEqual(result.sizes, [960]);
    ok(result.minLag >= 0, `capturedAt is never in the future (min lag ${result.minLag} ms)`);
    equal(result.trackState, "ended");
    equal(result.oldTrackState, "ended");
    ok(result.swapped, "switchDevice() opened a new track");
    ok(result.framesAfterSwitch > 0, "frames go on after switchDevice()");
    equal(result.framesAfterStop, 0);
    equal(typeof result.label, "string");
    ok(result.inputRate > 0);
    ok(result.peak > 0.01, `the speech fixture is heard (peak ${result.peak})`);
    deepEqual(problems, []);
  });
});

Deno.test("Player plays an item to the end, counts it, and stops on flush()", async () => {
  await withPage(undefined, async (page, problems) => {
    const result = await page.evaluate(async () => {
      // deno-lint-ignore no-explicit-any
      const { Player } = (globalThis as any).audioEngine;
      const ctx = new AudioContext();
      await ctx.resume();
      const events: string[] = [];
      let loudest = 0;
      const player = await Player.create(ctx, {
        workletUrl: "/playback.js",
        onStarted: (id: string) => events.push(`started ${id}`),
        onDrained: (id: string) => events.push(`drained ${id}`),
        onUnderrun: (count: number) => events.push(`underrun ${count}`),
        onLevel: (rms: number) => loudest = Math.max(loudest, rms),
      });
      /** `ms` of a 24 kHz 440 Hz tone as PCM16 bytes. */
      function tone(ms: number): Uint8Array {
        const pcm = new Int16Array(24 * ms);
        for (let i = 0; i < pcm.length; i++) {
          pcm[i] = Math.round(8000 * Math.sin(2 * Math.PI * 440 * i / 24_000));
        }
        return new Uint8Array(pcm.buffer);
      }
      function until(check: () => boolean): Promise<void> {
        return new Promise((resolve) => {
          const poll = () => check() ? resolve() : setTimeout(poll, 20);
          poll();
        });
      }
      // Item a: 600 ms in deltas of an odd number of bytes (samples split across), then done.
      const a = tone(600);
      for (let i = 0; i < a.length; i += 1001) player.enqueue("a", a.subarray(i, i + 1001));
      player.endItem("a");
      await until(() => events.includes("drained a"));
      const playedA = await player.playedMs("a");
      // Item b: 3 s, flushed once it has started.
      player.enqueue("b", tone(3000));
      await until(() => events.includes("started b"));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const flushed = player.flush();
      const exact = await flushed.exact;
      player.enqueue("b", tone(500)); // late audio of a flushed item: ignored
      await new Promise((resolve) => setTimeout(resolve, 300));
      const playedB = await player.playedMs("b");
      const route = player.route;
      const depthMs = player.depthMs;
      player.close();
      await ctx.close();
      return {
        events,
        playedA,
        flushed: { itemId: flushed.itemId, playedMs: flushed.playedMs },
        exact,
        playedB,
        route,
        depthMs,
        loudest,
      };
    });
    // The 600 ms item played whole (minus at most 1 ms of flooring).
    ok(result.playedA >= 599 && result.playedA <= 600, `played ${result.playedA} ms of a`);
    deepEqual(result.events.filter((e) => !e.startsWith("underrun")), [
      "started a",
      "drained a",
      "started b",
    ]);
    equal(result.flushed.itemId, "b");
    equal(result.exact.itemId, "b");
    ok(result.flushed.playedMs > 0 && result.flushed.playedMs < 3000, JSON.stringify(result));
    ok(result.exact.playedMs >= result.flushed.playedMs, "the estimate never runs ahead");
    equal(result.playedB, result.exact.playedMs, "nothing played after the flush");
    equal(result.depthMs, 0);
    ok(result.loudest > 0.05, `output level reported (${result.loudest})`);
    ok(["element", "destination"].includes(result.route));
    deepEqual(problems, []);
  });
});
