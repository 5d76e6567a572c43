/** What the benchmark suites share: a median, a CPU-and-wall timer, synthetic face-sized chips. */
import type { RgbImage } from '../src/image/index.js';

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median wall time and least process CPU time of one call, in ms. */
export interface Timing { wallMs: number; cpuMs: number }

/**
 * Runs `fn` `warmup` times, then until `budgetMs` has passed (at least `minRuns`, at most
 * `maxRuns` runs): the median wall time and the least CPU time (user + system) of one run. The
 * CPU figure is what to read on a busy machine.
 */
export function timeWallAndCpu(fn: () => void, budgetMs: number, warmup: number, minRuns = 3, maxRuns = 200): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const wall: number[] = [];
  let cpu = Infinity;
  const start = performance.now();
  while (wall.length < minRuns || (performance.now() - start < budgetMs && wall.length < maxRuns)) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1000);
  }
  wall.sort((x, y) => x - y);
  return { wallMs: wall[wall.length >> 1], cpuMs: cpu };
}

/** A deterministic 150x150 RGB noise chip (32-bit LCG, high byte). */
export function randomChip(seed: number): RgbImage {
  let s = seed >>> 0 || 1;
  const data = new Uint8Array(150 * 150 * 3);
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { width: 150, height: 150, data };
}
