/**
 * Interleaved measurement, shared by bench.ts and gateways.ts. Every server of a round is started and warmed
 * first; then each is measured in slices of BENCH_SLICE seconds taken in turn (A B C, B C A, C A B, …) until
 * each has had BENCH_DURATION seconds, and its slices are summed into the round's run.
 *
 * Why: the VMs these benches run on share a host whose speed drifts by up to 2× over tens of seconds with
 * nothing to show for it in /proc (no steal time, no other process): one server measured for 10 s after
 * another could be measured on a different machine. Slices a few seconds apart see the same one, so a ratio
 * between two servers of a round compares the servers, not the moments. BENCH_SLICE=0 measures each server's
 * whole run in one go, one after the other (all still started and warmed first).
 */
import autocannon from 'autocannon';
import type { EventEmitter } from 'node:events';
import { machineBusyMicros } from './procStat.js';

/** How a run of `duration` seconds is cut: `slices` slices of `seconds` each. */
export interface SliceSchedule {
  readonly slices: number;
  readonly seconds: number;
}

/** Whole slices of about `sliceSeconds` (at least 1 s each); one slice when `sliceSeconds` is 0 or not shorter than the run. */
export function sliceSchedule(duration: number, sliceSeconds: number): SliceSchedule {
  if (!(sliceSeconds > 0) || sliceSeconds >= duration) return { slices: 1, seconds: duration };
  const slices = Math.max(1, Math.min(Math.round(duration / sliceSeconds), Math.floor(duration)));
  return { slices, seconds: duration / slices };
}

/** What every slice reports, so that a noisy one is taken again and a failing one ends the round. */
export interface Measured {
  /** Cores other processes used during the slice. */
  readonly foreign: number;
  /** Failed or wrong answers. */
  readonly bad: number;
}

/** How noisy slices are handled: BENCH_RETRIES (2) more tries of a slice where other processes used more than BENCH_FOREIGN_MAX (0.1) cores. */
export function retryPolicy(env: NodeJS.ProcessEnv = process.env): { readonly retries: number; readonly foreignMax: number } {
  return { retries: Number(env['BENCH_RETRIES'] ?? 2), foreignMax: Number(env['BENCH_FOREIGN_MAX'] ?? 0.1) };
}

/**
 * Measures every key's slices in turn, the order rotated by one each slice and by the round, so that no key
 * always goes first. A slice where other processes used more than `foreignMax` cores is taken again, at most
 * `retries` times (each said on the console), and the cleanest is kept. Stops at the first slice with bad answers.
 */
export async function interleave<K, T extends Measured>(
  keys: readonly K[],
  schedule: SliceSchedule,
  options: { readonly round: number; readonly name: (key: K) => string; readonly retries: number; readonly foreignMax: number },
  slice: (key: K, seconds: number) => Promise<T>,
): Promise<Map<K, T[]>> {
  const { round, name, retries, foreignMax } = options;
  const taken = new Map<K, T[]>(keys.map((key) => [key, []]));
  for (let i = 0; i < schedule.slices; i++) {
    for (let j = 0; j < keys.length; j++) {
      const key = keys[(i + j + round - 1) % keys.length]!;
      let kept = await slice(key, schedule.seconds);
      for (let retry = 0; retry < retries && kept.foreign > foreignMax && kept.bad === 0; retry++) {
        console.log(`round ${round} ${name(key)}: other processes used ${kept.foreign.toFixed(2)} cores (> ${foreignMax}) in a slice, measuring it again`);
        const again = await slice(key, schedule.seconds);
        if (again.foreign < kept.foreign) kept = again;
      }
      taken.get(key)!.push(kept);
      if (kept.bad > 0) return taken;
    }
  }
  return taken;
}

/** An autocannon run that also pushes each response's time (ms) to `latencies`, for percentiles over a run's slices. */
export function loadWithLatencies(options: autocannon.Options, latencies: number[]): Promise<autocannon.Result> {
  // Without a callback autocannon returns its tracker (an EventEmitter) made thenable; its types say only Promise.
  const instance = autocannon(options) as Promise<autocannon.Result> & EventEmitter;
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => latencies.push(ms));
  return instance;
}

/** The `p`-th percentile (0–100, nearest rank) of response times in ms, rounded to 0.1 ms. */
export function percentile(latencies: readonly number[], p: number): number {
  if (latencies.length === 0) return NaN;
  const sorted = Float64Array.from(latencies).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[rank]! * 10) / 10;
}

/**
 * Waits (bounded: `perWait` s each time, `budget` s in all) for a 0.5 s window in which the whole machine is
 * less than 0.25 cores busy; returns the last reading, in cores.
 */
export function quietWaiter(perWait: number, budget: number): () => Promise<number> {
  let left = budget;
  return async () => {
    const deadline = performance.now() + Math.min(perWait, left) * 1000;
    const t0 = performance.now();
    let busy = Infinity;
    for (;;) {
      const m0 = machineBusyMicros();
      const w0 = performance.now();
      await new Promise((r) => setTimeout(r, 500));
      busy = (machineBusyMicros() - m0) / ((performance.now() - w0) * 1000);
      if (busy < 0.25 || performance.now() > deadline) break;
    }
    left -= (performance.now() - t0) / 1000;
    return busy;
  };
}
