/** CPU time from /proc, as bench.ts reads it: a process's utime + stime, and the whole machine's busy time. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** utime + stime of the whole process (all threads), in µs. */
export function procCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK; // fields 14 and 15
}

/** Busy (non-idle, non-iowait) µs of the whole machine, all CPUs, from /proc/stat. */
export function machineBusyMicros(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f as number[];
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1e6) / CLK_TCK;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
