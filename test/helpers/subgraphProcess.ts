import { spawn, type ChildProcess } from 'node:child_process';

export interface SubgraphProcess {
  readonly url: string;
  /** Everything it printed so far: `listening …`, then one JSON line per document it received. */
  output(): string;
  /** Ends it at once (SIGKILL), as a crash would, and waits for it. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts one GutHib subgraph as its own process (`examples/guthib/subgraphs/serve.ts`) and waits for its URL. */
export async function startSubgraphProcess(name: 'accounts' | 'repositories', env: { GATEWAY_JWKS_URL: string; PORT?: string }): Promise<SubgraphProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'examples/guthib/subgraphs/serve.ts', name], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`subgraph ${name} did not start:\n${output}`)), 20_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^listening (\S+)$/m.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`subgraph ${name} exited with ${code}:\n${output}`));
    });
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { url, output: () => output, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}
