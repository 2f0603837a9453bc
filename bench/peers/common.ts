/**
 * What every peer gateway shares, with no import of `graphql` (each peer has its own install under
 * bench/peers/<peer>/node_modules, and one process must hold one graphql instance): the port, the
 * supergraph and static identities the bench wrote, and the CPU report of bench/guthib.ts.
 */
import { readFileSync } from 'node:fs';

export const HOST = process.env['HOST'] ?? '127.0.0.1';

export function portFromArgs(): number {
  const raw = process.argv[2] ?? process.env['PORT'] ?? '0';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`bad port ${raw}`);
  return port;
}

const required = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new TypeError(`"${name}" must be set (bench/gateways.ts sets it)`);
  return value;
};

/** The supergraph SDL composed once by bench/subgraphs.ts. */
export const supergraphSdl = (): string => readFileSync(required('BENCH_SUPERGRAPH'), 'utf8');

/** `{ accounts: jwt, repositories: jwt }`: a static `gateway-identity` per subgraph (alice, level HIGH, 2 h). */
export const staticIdentities = (): Record<string, string> => JSON.parse(readFileSync(required('BENCH_IDENTITIES'), 'utf8')) as Record<string, string>;

/** The bench issuer's key file (bench/keys.ts): `{ privateJwk, jwks }`. */
export const benchJwks = (): { keys: Array<Record<string, unknown>> } =>
  (JSON.parse(readFileSync(required('BENCH_KEYS_FILE'), 'utf8')) as { jwks: { keys: Array<Record<string, unknown>> } }).jwks;

/** bench/guthib.ts reportCpuOnSignal without the profiler: `CPU <user µs> <system µs>` on SIGUSR2. */
export function reportCpuOnSignal(): void {
  process.on('SIGUSR2', () => {
    const { user, system } = process.cpuUsage();
    process.stdout.write(`CPU ${user} ${system}\n`);
  });
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
