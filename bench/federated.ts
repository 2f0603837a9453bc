/**
 * (G4) This gateway, federated, enforcing step-up: production mode, the bench issuer's local JWKS (no
 * network), the token cache on (BENCH_TOKEN_CACHE, default 10 000), the supergraph file composed once by
 * subgraphs.ts (BENCH_SUPERGRAPH) over the two subgraph processes, and the shared identity key
 * (BENCH_IDENTITY_KEY, `subgraphIdentity.keyFile`): every subgraph request carries an identity signed for
 * its caller. In-flight deduplication is off (src/federation/federatedGraph.ts).
 * Usage: BENCH_SUPERGRAPH=… BENCH_IDENTITY_KEY=… node --import tsx bench/federated.ts [port]
 *        (prints `READY <url>`, `CPU <user> <system>` on SIGUSR2)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config.js';
import { startGateway } from '../src/server.js';
import { HOST, portFromArgs, reportCpuOnSignal } from './guthib.js';
import { AUDIENCE, ISSUER, localKeySet } from './keys.js';

const required = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new TypeError(`"${name}" must be set (bench/gateways.ts sets it)`);
  return value;
};
const supergraph = required('BENCH_SUPERGRAPH');
const file = join(mkdtempSync(join(tmpdir(), 'bench-federated-')), 'config.json');
writeFileSync(
  file,
  JSON.stringify({
    tokenCacheSize: Number(process.env['BENCH_TOKEN_CACHE'] ?? 10_000),
    limits: { maxAliases: 500, maxAliasesPerField: 200 },
    subgraphIdentity: { keyFile: required('BENCH_IDENTITY_KEY') },
  }),
);
const config = loadConfig(
  { PORT: String(portFromArgs()), HOST, OIDC_ISSUER: ISSUER, OIDC_AUDIENCE: AUDIENCE, STEP_UP_CONFIG: file },
  resolve(import.meta.dirname, '..'),
);
const gateway = await startGateway(config, {
  supergraph: { kind: 'file', path: supergraph, subgraphs: [] },
  keys: localKeySet(),
  warn: () => undefined,
  log: () => undefined,
});
reportCpuOnSignal();
console.log(`READY ${gateway.url}`);
process.on('SIGTERM', () => void gateway.close().then(() => process.exit(0)));
