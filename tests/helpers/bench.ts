/**
 * Benchmark helper for `npm run bench`: runs a function repeatedly, reports the median wall
 * time and the peak resident memory of the process. Prints figures; asserts nothing about
 * speed (goals are read from the output, not enforced as timed tests).
 */
import { performance } from "node:perf_hooks";

export interface BenchResult {
  name: string;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  peakRssMiB: number;
}

/** Time `fn` over `runs` runs after `warmup` runs; prints one line and returns the figures. */
export async function bench(name: string, fn: () => unknown | Promise<unknown>, runs = 15, warmup = 3): Promise<BenchResult> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  let peak = process.memoryUsage().rss;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  times.sort((a, b) => a - b);
  const result: BenchResult = {
    name,
    runs,
    medianMs: times[Math.floor(times.length / 2)]!,
    minMs: times[0]!,
    maxMs: times[times.length - 1]!,
    peakRssMiB: Math.round((peak / 2 ** 20) * 10) / 10,
  };
  console.log(
    `bench ${name}: median ${result.medianMs.toFixed(2)} ms (min ${result.minMs.toFixed(2)}, max ${result.maxMs.toFixed(2)}, ${runs} runs), peak RSS ${result.peakRssMiB} MiB`,
  );
  return result;
}
