/**
 * How long a federated gateway needs after start to reach its plateau: (G3) the same stack without
 * enforcement and (G4) this gateway are each started cold over bench/subgraphs.ts' two subgraph processes
 * and loaded at once, and their throughput is printed second by second (consecutive 1 s autocannon runs,
 * 10 connections), with the second at which it first reaches 90 % of the last 5 s' median.
 * Env: BENCH_PLATEAU_SECONDS (30), BENCH_PAYLOAD (small | realistic), BENCH_ROUNDS (2), BENCH_KEYS_FILE.
 * Usage: npx tsx bench/plateau.ts
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_KEYS_FILE, generateKeys, mintToken, readKeys } from './keys.js';
import { median } from './procStat.js';
import { startServer } from './spawn.js';
import { GATEWAY_QUERIES, payloadFromEnv, startBackend } from './subgraphs.js';

const SECONDS = Number(process.env['BENCH_PLATEAU_SECONDS'] ?? 30);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const payload = payloadFromEnv();
const query = GATEWAY_QUERIES[payload];
const PIN = cpus().length >= 2;
const keysFile = resolve(process.env['BENCH_KEYS_FILE'] ?? DEFAULT_KEYS_FILE);
if (!existsSync(keysFile)) await generateKeys(keysFile);
if (PIN) execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
const backend = await startBackend({ cpu: PIN ? 0 : undefined });
const servers = [
  { name: '(G3) same stack, no enforcement', file: 'federated-plain' },
  { name: '(G4) this gateway, step-up', file: 'federated' },
];
console.log(`payload ${payload}, ${SECONDS} s from a cold start, Node ${process.version}, gateway pinned to CPU 1`);
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const { name, file } of servers) {
      const token = await mintToken(readKeys(keysFile), { sub: 'alice', acr: 'gold', authAge: 0, ttl: 3600 });
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
      const body = JSON.stringify({ query });
      const server = await startServer(file, {
        env: {
          BENCH_KEYS_FILE: keysFile,
          ...(await backend.gatewayEnv()),
        },
        cpu: PIN ? 1 : undefined,
        probe: { body, headers },
      });
      try {
        const perSecond: number[] = [];
        for (let second = 0; second < SECONDS; second++) {
          const r = await autocannon({ url: server.url, method: 'POST', headers, body, connections: 10, duration: 1 });
          perSecond.push(r.requests.total);
          backend.drainCount();
        }
        const plateau = median(perSecond.slice(-5));
        const reached = perSecond.findIndex((rps) => rps >= 0.9 * plateau) + 1;
        console.log(`round ${round} ${name.padEnd(30)} plateau ${plateau} req/s, 90 % of it in second ${reached}: ${perSecond.join(' ')}`);
      } finally {
        await server.stop();
      }
    }
  }
} finally {
  await backend.close();
}
