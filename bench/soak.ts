/**
 * `npm run soak`: 60 s of sustained load on the gateway with rotating tokens (more distinct tokens than
 * the token cache holds, so it evicts all along), then: zero errors, and RSS at start, middle and end,
 * which must level off. Env: SOAK_SECONDS (60), SOAK_TOKENS (20 000), SOAK_CONNECTIONS (10).
 */
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_KEYS_FILE, generateKeys, mintToken, readKeys } from './keys.js';
import { startServer } from './spawn.js';

const SECONDS = Number(process.env['SOAK_SECONDS'] ?? 60);
const TOKENS = Number(process.env['SOAK_TOKENS'] ?? 20_000);
const CONNECTIONS = Number(process.env['SOAK_CONNECTIONS'] ?? 10);
const keysFile = resolve(process.env['BENCH_KEYS_FILE'] ?? DEFAULT_KEYS_FILE);
try {
  readKeys(keysFile);
} catch {
  await generateKeys(keysFile);
}
const keys = readKeys(keysFile);
const acrs = ['gold', 'silver', 'bronze'] as const;
const tokens = await Promise.all(
  Array.from({ length: TOKENS }, (_, i) => mintToken(keys, { sub: i % 2 ? 'alice' : 'bob', acr: acrs[i % 3], authAge: 0, ttl: 3600 })),
);
const body = JSON.stringify({ query: '{ repositories { name stars owner { login } } viewer { login email paymentMethods { last4 } } }' });

const server = await startServer('gateway', { env: { BENCH_KEYS_FILE: keysFile } });
const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1]) / 1024;
const rss: Array<[string, number]> = [['start', rssMiB()]];
const middle = setTimeout(() => rss.push(['middle', rssMiB()]), (SECONDS * 1000) / 2);
let next = 0;
try {
  const result = await autocannon({
    url: server.url,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => ({ ...request, body, headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[next++ % TOKENS]}` } }),
      },
    ],
  });
  rss.push(['end', rssMiB()]);
  const errors = result.errors + result.timeouts + result.non2xx;
  console.log(
    `soak: ${result.requests.total} requests in ${SECONDS} s with ${TOKENS} rotating tokens (${(result.requests.total / SECONDS).toFixed(0)} req/s), ${errors} errors`,
  );
  console.log(`RSS: ${rss.map(([when, mib]) => `${when} ${mib.toFixed(0)} MiB`).join(', ')}`);
  process.exitCode = errors === 0 ? 0 : 1;
} finally {
  clearTimeout(middle);
  await server.stop();
}
