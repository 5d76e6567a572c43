/**
 * A child process run while its resident set size (/proc/PID/status VmRSS, its threads included)
 * is sampled every second: for the soak and the library bench (Linux; elsewhere no samples).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface RssSample {
  /** Seconds since the start. */
  s: number;
  mb: number;
}

/** VmRSS of process `pid` in MB, or undefined once it is gone (or off Linux). */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `node args...` (stdout discarded, stderr shown), sampling its RSS; resolves when it exits. */
export async function runSampled(args: readonly string[], everyMs = 1000): Promise<{ code: number | null; seconds: number; samples: RssSample[]; peakMb: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const samples: RssSample[] = [];
  const sample = (): void => {
    const mb = rssMb(child.pid!);
    if (mb !== undefined) samples.push({ s: (performance.now() - t0) / 1000, mb });
  };
  const timer = setInterval(sample, everyMs);
  const code = await new Promise<number | null>((res) => child.on('exit', res));
  clearInterval(timer);
  return { code, seconds: (performance.now() - t0) / 1000, samples, peakMb: samples.reduce((m, x) => Math.max(m, x.mb), 0) };
}
