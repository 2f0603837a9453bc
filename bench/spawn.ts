/** Start a competitor server as its own process and wait until it answers GraphQL. Used by bench.ts and check.ts. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

export interface Running {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the next `CPU <user> <system>` line after SIGUSR2 (process.cpuUsage(), µs). */
  cpuUsage(): Promise<{ user: number; system: number }>;
  stop(): Promise<void>;
}

export const SERVERS = ['apollo-plain', 'gateway', 'yoga-generic-auth', 'apollo-shield'] as const;

export async function startServer(
  name: string,
  options: { env?: NodeJS.ProcessEnv; cpu?: number; probe?: { body: string; headers: Record<string, string> } } = {},
): Promise<Running> {
  const file = resolve(import.meta.dirname, `${name}.ts`);
  const nodeArgs = ['--import', 'tsx', file, '0'];
  const [cmd, args] = options.cpu === undefined ? ['node', nodeArgs] : ['taskset', ['-c', String(options.cpu), 'node', ...nodeArgs]];
  const child = spawn(cmd, args as string[], {
    cwd: import.meta.dirname,
    env: { NODE_ENV: 'production', ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const lines: string[] = [];
  const waiters: Array<(line: string) => void> = [];
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  const nextLine = (timeoutMs: number) =>
    new Promise<string>((ok, fail) => {
      const l = lines.shift();
      if (l !== undefined) return ok(l);
      const t = setTimeout(() => fail(new Error(`${name}: no output in ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
      waiters.push((line) => {
        clearTimeout(t);
        ok(line);
      });
    });
  const exited = once(child, 'exit');
  let started = false;
  const ready = await Promise.race([
    nextLine(30_000),
    exited.then(([code]) => {
      if (!started) throw new Error(`${name} exited with ${code}: ${stderr}`);
      return '';
    }),
  ]);
  started = true;
  const match = /^READY (\S+)/.exec(ready);
  if (!match) throw new Error(`${name}: unexpected first line ${ready}`);
  const url = match[1]!;

  // Wait until it answers a real GraphQL request.
  const probe = options.probe ?? { body: JSON.stringify({ query: '{ repositories { name } }' }), headers: {} };
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...probe.headers }, body: probe.body });
      await res.text();
      if (res.status === 200) break;
    } catch {
      /* not yet */
    }
    if (attempt > 100) throw new Error(`${name} at ${url} never answered`);
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    name,
    url,
    child,
    pid: child.pid!,
    async cpuUsage() {
      // Lines the server prints besides (its request log) are passed over, up to the CPU line.
      lines.splice(0);
      child.kill('SIGUSR2');
      let m: RegExpExecArray | null = null;
      for (let read = 0; m === null; read++) {
        if (read > 100_000) throw new Error(`${name}: no CPU line`);
        m = /^CPU (\d+) (\d+)/.exec(await nextLine(5_000));
      }
      return { user: Number(m[1]), system: Number(m[2]) };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
