/**
 * (2)(3)(4) This gateway, in production mode, trusting the bench issuer's local JWKS (no network),
 * with the in-memory GutHib data. BENCH_TOKEN_CACHE=0 turns the token cache off: every request then
 * verifies its token, as with a new token on every request.
 * Usage: node --import tsx bench/gateway.ts [port]   (prints `READY <url>`, `CPU <user> <system>` on SIGUSR2)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config.js';
import { startGateway } from '../src/server.js';
import { HOST, portFromArgs, reportCpuOnSignal } from './guthib.js';
import { AUDIENCE, ISSUER, localKeySet } from './keys.js';
import { createGutHibGraph } from '../examples/guthib/index.js';

const file = join(mkdtempSync(join(tmpdir(), 'bench-gateway-')), 'config.json');
// BENCH_OPS=1: the operator's default view on, an audit/request line per request at info (to a file, as a
// log shipper would read it) and /metrics counting; otherwise the log is silent and there are no metrics.
// BENCH_OPS=log or metrics: one of the two alone, to tell their costs apart. BENCH_OPS=quiet: both, with
// `"log": { "requests": false }` (the audit events without the request line).
const quiet = process.env['BENCH_OPS'] === 'quiet';
const ops = process.env['BENCH_OPS'] === '1' || quiet;
const logOn = ops || process.env['BENCH_OPS'] === 'log';
const metricsOn = ops || process.env['BENCH_OPS'] === 'metrics';
writeFileSync(
  file,
  JSON.stringify({
    tokenCacheSize: Number(process.env['BENCH_TOKEN_CACHE'] ?? 10_000),
    limits: { maxAliases: 500, maxAliasesPerField: 200 },
    log: logOn ? { level: 'info', destination: join(tmpdir(), `bench-gateway-${process.pid}.log`), pretty: false, requests: !quiet } : { level: 'silent' },
    ...(metricsOn ? { metrics: { port: 0 } } : {}),
  }),
);
const config = loadConfig(
  { PORT: String(portFromArgs()), HOST, OIDC_ISSUER: ISSUER, OIDC_AUDIENCE: AUDIENCE, STEP_UP_CONFIG: file },
  resolve(import.meta.dirname, '..'),
);
const gateway = await startGateway(config, { graph: createGutHibGraph(), keys: localKeySet(), warn: () => undefined });
reportCpuOnSignal();
console.log(`READY ${gateway.url}`);
process.on('SIGTERM', () => void gateway.close().then(() => process.exit(0)));
