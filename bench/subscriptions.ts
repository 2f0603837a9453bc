/**
 * What subscriptions cost, side by side on bench/subgraphs.ts' two subgraph processes (the same repositories
 * subgraph, its Subscription over graphql-ws):
 *   (G4) this gateway (bench/federated.ts): one upstream socket per subscription, with its own transaction token;
 *        every event decided again for its subscriber and executed for it (an entity fetch to accounts each);
 *   (G1) Hive Gateway + JWT + generic-auth (bench/peers/hive/server.ts): a static identity, all subscriptions
 *        multiplexed on one upstream socket; decided at subscribe (generic-auth), not per event.
 * - memory: the gateway's RSS growth for BENCH_IDLE (1000) idle subscriptions, 20 per client socket;
 * - CPU per event: 100 subscribers (5 sockets × 20), BENCH_STARS (200) stars sent straight to the repositories
 *   subgraph (so the gateway's CPU is delivery alone), gateway CPU µs per event delivered.
 * Each measurement records the CPU other processes used meanwhile (the machine's busy time minus the gateway's, the
 * subgraphs' and this load generator's), and one where they used more than 0.1 core is run again (at most twice); each round prints
 * G4 ÷ G1 for both figures. G1 needs `npm ci` in bench/peers/hive and Node ≥ 22.15 (it is skipped otherwise).
 * Env: BENCH_ROUNDS (3), BENCH_IDLE (1000), BENCH_STARS (200), BENCH_KEYS_FILE, BENCH_ONLY (G4 or G1).
 * Usage: npx tsx bench/subscriptions.ts
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { DEFAULT_KEYS_FILE, generateKeys, mintToken, readKeys } from './keys.js';
import { machineBusyMicros, procCpuMicros } from './procStat.js';
import { startServer } from './spawn.js';
import { startBackend } from './subgraphs.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const IDLE = Number(process.env['BENCH_IDLE'] ?? 1000);
const STARS = Number(process.env['BENCH_STARS'] ?? 200);
const PER_SOCKET = 20;
const SUBSCRIBERS = 100;
const keysFile = resolve(process.env['BENCH_KEYS_FILE'] ?? DEFAULT_KEYS_FILE);
if (!existsSync(keysFile)) await generateKeys(keysFile);

const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Opens `count` subscriptions, PER_SOCKET per socket; resolves once every one is open upstream (`onEvent` counts events). */
async function subscribe(url: string, token: string, count: number, onEvent: () => void): Promise<Client[]> {
  const clients: Client[] = [];
  for (let opened = 0; opened < count; opened += PER_SOCKET) {
    const client = createClient({ url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
    clients.push(client);
    for (let i = 0; i < Math.min(PER_SOCKET, count - opened); i++)
      client.subscribe(
        { query: 'subscription { repositoryStarred { repository { name stars } by { login } } }' },
        {
          next: (result) => (result.errors ? console.error('subscription errors', JSON.stringify(result.errors)) : onEvent()),
          error: (error) => console.error('subscription error', error),
          complete: () => {},
        },
      );
  }
  return clients;
}

const backend = await startBackend({ cpu: 0 });
const identities = JSON.parse(readFileSync(await backend.writeStaticIdentities({ sub: 'bob', level: 'LOW', passed: [] }), 'utf8')) as Record<string, string>;
const repositories = backend.subgraphs.find((subgraph) => subgraph.name === 'repositories')!;
/** Stars repository 1 (alice's) as bob, at the subgraph itself: the gateway only delivers. */
const star = () =>
  fetch(repositories.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'gateway-identity': identities['repositories']! },
    body: JSON.stringify({ query: 'mutation { starRepository(id: "Repository:1") { stars } }' }),
  }).then((response) => response.json());

const hasHive = existsSync(resolve(import.meta.dirname, 'peers/hive/node_modules/@graphql-hive/gateway'));
const nodeMajor = Number(process.versions.node.split('.')[0]);
const GATEWAYS = [
  { name: '(G4) this gateway', server: 'federated', env: {} },
  { name: '(G1) hive + jwt + generic-auth', server: 'peers/hive/server', env: { BENCH_HIVE_JWT: 'cached' } },
].filter((gateway) => process.env['BENCH_ONLY'] === undefined || gateway.name.startsWith(`(${process.env['BENCH_ONLY']})`));
if (!hasHive || nodeMajor < 22) {
  console.log(`(G1) skipped: ${hasHive ? `Node ${process.version} (Hive Gateway needs ≥ 22.15)` : '`npm ci` in bench/peers/hive first'}`);
  GATEWAYS.splice(
    GATEWAYS.findIndex((gateway) => gateway.name.startsWith('(G1)')),
    1,
  );
}

interface Measured {
  readonly kibPerIdle: number;
  readonly microsPerEvent: number;
  readonly delivered: number;
  readonly others: number;
}

/** One kept measurement of one gateway: memory for the idle subscriptions, then CPU per event delivered. */
async function measure(gateway: (typeof GATEWAYS)[number], round: number): Promise<Measured | undefined> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const token = await mintToken(readKeys(keysFile), { sub: 'alice', acr: 'gold', authAge: 0, ttl: 3600 });
    const server = await startServer(gateway.server, {
      env: { BENCH_KEYS_FILE: keysFile, ...(await backend.gatewayEnv()), ...gateway.env },
      cpu: 1,
      probe: { body: JSON.stringify({ query: '{ __typename }' }), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } },
    });
    const wsUrl = server.url.replace(/^http/, 'ws');
    let clients: Client[] = [];
    try {
      // Warm: a few events through, then measure memory before and after the idle subscriptions.
      let warmed = 0;
      clients = await subscribe(wsUrl, token, PER_SOCKET, () => void (warmed += 1));
      await sleep(500);
      for (let i = 0; i < 50; i++) await star();
      await sleep(500);
      for (const client of clients) await client.dispose();
      await sleep(500);
      const before = rssKiB(server.pid);
      let idleEvents = 0;
      clients = await subscribe(wsUrl, token, IDLE, () => void (idleEvents += 1));
      await sleep(3_000);
      const after = rssKiB(server.pid);
      for (const client of clients) await client.dispose();
      await sleep(1_000);

      let delivered = 0;
      clients = await subscribe(wsUrl, token, SUBSCRIBERS, () => void (delivered += 1));
      await sleep(1_000);
      // The load generator (this process: it sends the stars and receives every event) is not another process.
      const pids = [server.pid, process.pid, ...backend.subgraphs.map((subgraph) => subgraph.pid)];
      const own0 = pids.map(procCpuMicros);
      const busy0 = machineBusyMicros();
      const cpu0 = procCpuMicros(server.pid);
      const started = performance.now();
      for (let i = 0; i < STARS; i++) await star();
      for (let i = 0; i < 100 && delivered < STARS * SUBSCRIBERS; i++) await sleep(50);
      const seconds = (performance.now() - started) / 1000;
      const gatewayMicros = procCpuMicros(server.pid) - cpu0;
      const others = (machineBusyMicros() - busy0 - pids.map(procCpuMicros).reduce((sum, cpu, i) => sum + cpu - own0[i]!, 0)) / 1e6 / seconds;
      const measured = { kibPerIdle: (after - before) / IDLE, microsPerEvent: gatewayMicros / delivered, delivered, others };
      const line =
        `round ${round} ${gateway.name}: ${IDLE} idle subscriptions +${((after - before) / 1024).toFixed(1)} MiB RSS (${measured.kibPerIdle.toFixed(1)} KiB each); ` +
        `${SUBSCRIBERS} subscribers × ${STARS} stars: ${delivered}/${STARS * SUBSCRIBERS} delivered, gateway ${measured.microsPerEvent.toFixed(1)} µs CPU per event delivered; ` +
        `other processes ${others.toFixed(2)} core (warm-up events ${warmed}, idle ${idleEvents})`;
      if (others > 0.1 && attempt < 3) {
        console.log(`${line}: rerun (other processes over 0.1 core)`);
        continue;
      }
      console.log(line);
      return measured;
    } finally {
      for (const client of clients) await client.dispose();
      await server.stop();
    }
  }
  return undefined;
}

console.log(`Node ${process.version}; gateways pinned to CPU 1, subgraphs to CPU 0`);
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const results = new Map<string, Measured | undefined>();
    for (const gateway of GATEWAYS) results.set(gateway.name, await measure(gateway, round));
    const [g4, g1] = [...results.values()];
    if (g4 !== undefined && g1 !== undefined && GATEWAYS.length === 2)
      console.log(
        `round ${round} G4 ÷ G1: memory per idle subscription ${g1.kibPerIdle >= 1 ? `${(g4.kibPerIdle / g1.kibPerIdle).toFixed(2)}×` : `n/a (G1 grew ${g1.kibPerIdle.toFixed(1)} KiB each)`}, ` +
          `CPU per event delivered ${(g4.microsPerEvent / g1.microsPerEvent).toFixed(2)}× ` +
          `(delivered ${g4.delivered} vs ${g1.delivered}; other processes ${g4.others.toFixed(2)} / ${g1.others.toFixed(2)} core)`,
      );
  }
} finally {
  await backend.close();
}
