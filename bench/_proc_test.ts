import { ok } from "node:assert/strict";
import { CpuMeter, cpuSeconds, MachineMeter, rssBytes } from "./_proc.ts";

Deno.test("CpuMeter and cpuSeconds() see this process's own work; rssBytes() its memory", () => {
  const before = cpuSeconds(Deno.pid);
  const meter = new CpuMeter(Deno.pid);
  const machine = new MachineMeter();
  meter.start();
  machine.start();
  // Spin until the kernel has charged this process 50 ms more (however busy the machine is).
  let sink = 0;
  while (cpuSeconds(Deno.pid) - before < 0.05) {
    for (let i = 0; i < 1e5; i++) sink += Math.sqrt(i);
  }
  ok(sink > 0);
  ok(meter.stop() > 0);
  ok(machine.stop() > 0);
  ok(rssBytes(Deno.pid) > 10 * 2 ** 20);
});
