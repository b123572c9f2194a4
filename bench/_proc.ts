/**
 * CPU and memory of processes, read from Linux's `/proc`: what a benchmark's peers and the
 * whole machine used over a window.
 *
 * @module
 */

/** Resident set size of process `pid`, in bytes (from `/proc/<pid>/status`). */
export { rssOf as rssBytes } from "@/testing/server_process.ts";

/** Linux reports CPU time in ticks of 1/100 s (USER_HZ) on every architecture Deno runs on. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system, all threads) that process `pid` has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Measures the CPU a process uses between `start()` and `stop()`, as % of one core. */
export class CpuMeter {
  #pid: number;
  #cpu = 0;
  #wall = 0;

  constructor(pid: number) {
    this.#pid = pid;
  }

  start(): void {
    this.#cpu = cpuSeconds(this.#pid);
    this.#wall = performance.now();
  }

  /** % of one core since `start()` (200 % = both cores of this machine). */
  stop(): number {
    const cpu = cpuSeconds(this.#pid) - this.#cpu;
    const wall = (performance.now() - this.#wall) / 1000;
    return (cpu / wall) * 100;
  }
}

/**
 * CPU seconds the whole machine has spent running processes (user, nice, system) so far: the
 * time comparable with processes' utime + stime. Interrupt time (softirq: loopback networking,
 * much of it this benchmark's own) is left out, since no process is charged with it.
 */
export function machineBusySeconds(): number {
  const line = Deno.readTextFileSync("/proc/stat").split("\n", 1)[0];
  // cpu user nice system idle iowait irq softirq steal …
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  return (ticks[0] + ticks[1] + ticks[2]) / TICKS_PER_SECOND;
}

/** Measures the CPU all processes use between `start()` and `stop()`, as % of one core. */
export class MachineMeter {
  #busy = 0;
  #wall = 0;

  start(): void {
    this.#busy = machineBusySeconds();
    this.#wall = performance.now();
  }

  /** % of one core since `start()` (this machine has `navigator.hardwareConcurrency` cores). */
  stop(): number {
    const busy = machineBusySeconds() - this.#busy;
    return (busy / ((performance.now() - this.#wall) / 1000)) * 100;
  }
}
