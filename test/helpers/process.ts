import { spawn, type ChildProcess } from 'node:child_process';

export interface GatewayProcess {
  readonly url: string;
  /** The process started: node itself, or npm with `npmStart`. */
  readonly pid: number;
  /** Resolves with the exit code (or the signal's name) when the process has ended. */
  readonly exited: Promise<number | string>;
  /** Sends SIGTERM and waits for the process to end. */
  stop(): Promise<number | string>;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Sends it a signal (SIGHUP: reload the supergraph). */
  signal(name: NodeJS.Signals): void;
}

/**
 * Starts `examples/guthib/start.ts` as its own process, as `npm start` does, and waits for its URL.
 * `npmStart` runs `npm start` itself, to test what an operator's signal does to it.
 */
export async function startGatewayProcess(env: Record<string, string>, options: { npmStart?: boolean } = {}): Promise<GatewayProcess> {
  const [command, args] = options.npmStart ? ['npm', ['start', '--silent']] : [process.execPath, ['--import', 'tsx', 'examples/guthib/start.ts']];
  const child: ChildProcess = spawn(command, args, {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gateway did not start:\n${output}`)), 20_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /GraphQL gateway ready at (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    output: () => output,
    signal: (name) => void child.kill(name),
  };
}
