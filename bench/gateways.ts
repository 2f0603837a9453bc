/**
 * BENCH_SET=gateways (`npm run bench`): four federated gateways over the SAME two subgraph processes
 * (subgraphs.ts, started once), the same supergraph file, the same query and the same cached gold token:
 *   (G1) Hive Gateway + JWT + generic-auth enforcing the equivalent policy   peers/hive/server.ts
 *   (G2) Apollo Gateway 2 under Apollo Server 5, no authorization           peers/apollo-gateway/server.ts
 *   (G3) the same federation stack as this gateway, no enforcement          federated-plain.ts
 *   (G4) this gateway enforcing step-up                                      federated.ts
 *   (G5) Hive Gateway with Hive Router's Rust query planner, no authorization peers/hive-router/server.ts
 * In-flight deduplication is off in every gateway (G1, G3, G4 set `deduplicateInflightRequests: false`;
 * Apollo Gateway has none). The peers send each subgraph a static identity (alice, HIGH) signed with the key
 * G4 uses; G4 signs one per caller. Per round: a fresh gold token, every gateway started pinned to CPU 1
 * (subgraphs and autocannon on CPU 0), its answer checked and warmed up; then the gateways are measured in
 * interleaved slices (interleave.ts), each until it has had BENCH_DURATION. Subgraph requests are counted
 * from the subgraphs' logs (one line per received document).
 *
 * Before the rounds, two checks with no timing:
 *  - refused slice: each gateway answers N requests of a query with fields a bronze token may not read;
 *    subgraph requests per gateway request are counted (G3 and G2 fetch everything, having no policy);
 *  - callers never merged: 2 × K concurrent identical queries from alice and bob through G4; each must
 *    answer its own viewer and each subgraph must receive K documents as alice and K as bob.
 *
 * Env: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, 20), BENCH_ROUNDS (5), BENCH_CONNECTIONS (10),
 *      BENCH_PIN (1), BENCH_ONLY (comma list of name prefixes, e.g. "(G3),(G4)"), BENCH_HIVE_JWT
 *      (cached | plugin, see peers/hive/server.ts), BENCH_CHECKS (1; 0 skips the two checks),
 *      BENCH_PAYLOAD (small | realistic, subgraphs.ts' GATEWAY_QUERIES), BENCH_SLICE (2 s; 0: each run whole),
 *      BENCH_QUIET_WAIT (5 s per slice), BENCH_QUIET_BUDGET (60 s), BENCH_FOREIGN_MAX (0.1 cores: a slice where
 *      other processes used more is measured again, same warm process), BENCH_RETRIES (2), BENCH_KEYS_FILE.
 * A goal is met only when every round meets it (each round's ratio between runs of that round); the report
 * prints the per-round ratios and the other processes' load beside each goal.
 * Peers are installed apart, in bench/peers/hive, bench/peers/hive-router and bench/peers/apollo-gateway (`npm ci` there): this bench
 * does it the first time it needs them. They are never dependencies of the package.
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_KEYS_FILE, generateKeys, mintToken, readKeys } from './keys.js';
import { interleave, loadWithLatencies, percentile, quietWaiter, retryPolicy, sliceSchedule } from './interleave.js';
import { machineBusyMicros, median, procCpuMicros } from './procStat.js';
import { startServer, type Running } from './spawn.js';
import { GATEWAY_QUERIES, payloadFromEnv, startBackend, type Backend } from './subgraphs.js';

for (const peer of ['hive', 'hive-router', 'apollo-gateway']) {
  const folder = resolve(import.meta.dirname, 'peers', peer);
  if (!existsSync(resolve(folder, 'node_modules'))) {
    console.log(`installing the bench peer ${peer} in ${folder} (npm ci, once)`);
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: folder, stdio: 'inherit' });
  }
}

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const DURATION = num('BENCH_DURATION', 10);
const WARMUP = num('BENCH_WARMUP', 20);
const ROUNDS = num('BENCH_ROUNDS', 5);
const CONNECTIONS = num('BENCH_CONNECTIONS', 10);
const PIN = process.env['BENCH_PIN'] !== '0' && cpus().length >= 2;
const CHECKS = process.env['BENCH_CHECKS'] !== '0';
const HIVE_JWT = process.env['BENCH_HIVE_JWT'] ?? 'cached';

/** BENCH_PAYLOAD: `small` (default) or `realistic` (subgraphs.ts' GATEWAY_QUERIES). */
const PAYLOAD = payloadFromEnv();
const REALISTIC = PAYLOAD === 'realistic';
const QUERY = GATEWAY_QUERIES[PAYLOAD];
const EXPECTED = {
  repositories: [
    { name: 'gut', stars: 42, owner: { login: 'alice' } },
    { name: 'website', stars: 3, owner: { login: 'alice' } },
    { name: 'dotfiles', stars: 7, owner: { login: 'bob' } },
  ],
  viewer: { login: 'alice', email: 'alice@guthib.example' },
};
/** The issue's refused slice (a bronze token may not read User.email), and one where whole fetches are refused. */
const SLICES = [
  // S1 still needs the join for `login`: as many subgraph requests as fetching everything, never more.
  { name: 'S1', query: '{ repositories { name owner { login email } } viewer { login email } }', fewer: false },
  // S2's join is only for refused fields: it is not made.
  { name: 'S2', query: '{ repositories { name owner { email } } viewer { email } }', fewer: true },
] as const;

interface Gateway {
  readonly name: string;
  readonly server: string;
  readonly env?: Record<string, string>;
}
const G1 = '(G1) hive + jwt + generic-auth';
const G2 = '(G2) apollo gateway, no auth';
const G3 = '(G3) same stack, no enforcement';
const G4 = '(G4) this gateway, step-up';
const G5 = '(G5) hive + rust planner, no auth';
const ONLY = process.env['BENCH_ONLY']?.split(',').map((prefix) => prefix.trim());
const GATEWAYS: Gateway[] = [
  { name: G1, server: 'peers/hive/server', env: { BENCH_HIVE_JWT: HIVE_JWT } },
  { name: G2, server: 'peers/apollo-gateway/server' },
  { name: G3, server: 'federated-plain' },
  { name: G4, server: 'federated' },
  { name: G5, server: 'peers/hive-router/server' },
].filter((g) => ONLY === undefined || ONLY.some((prefix) => g.name.startsWith(prefix)));

const keysFile = resolve(process.env['BENCH_KEYS_FILE'] ?? DEFAULT_KEYS_FILE);
if (!existsSync(keysFile)) await generateKeys(keysFile);
const mint = (sub: string, acr: string) => mintToken(readKeys(keysFile), { sub, acr, authAge: 0, ttl: 3600 });
const headersFor = (token: string | undefined): Record<string, string> =>
  token === undefined ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', authorization: `Bearer ${token}` };

if (PIN) execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
const backend: Backend = await startBackend({ cpu: PIN ? 0 : undefined });

async function start(gateway: Gateway, token: string): Promise<Running> {
  return startServer(gateway.server, {
    env: {
      BENCH_KEYS_FILE: keysFile,
      ...(await backend.gatewayEnv()),
      ...gateway.env,
    },
    cpu: PIN ? 1 : undefined,
    probe: { body: JSON.stringify({ query: QUERY }), headers: headersFor(token) },
  });
}

async function post(
  url: string,
  query: string,
  token: string | undefined,
): Promise<{ status: number; text: string; body: { data?: unknown; errors?: unknown[] } }> {
  const res = await fetch(url, { method: 'POST', headers: headersFor(token), body: JSON.stringify({ query }) });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as { data?: unknown; errors?: unknown[] } };
}

/** Lets the subgraphs finish writing their log lines for requests that were answered. */
const settle = () => new Promise((r) => setTimeout(r, 300));

// ---------------------------------------------------------------------------------------- checks
interface SliceResult {
  gateway: string;
  slice: string;
  subgraphRequestsPerRequest: number;
  errors: number;
  data: unknown;
}
const sliceResults: SliceResult[] = [];
let dedupe: { pass: boolean; detail: string } | undefined;
const SLICE_REQUESTS = 50;

if (CHECKS) {
  const bronze = await mint('alice', 'bronze');
  for (const gateway of GATEWAYS) {
    const server = await start(gateway, await mint('alice', 'gold'));
    try {
      for (const slice of SLICES) {
        await settle();
        backend.drain();
        let last: Awaited<ReturnType<typeof post>> | undefined;
        for (let i = 0; i < SLICE_REQUESTS; i++) last = await post(server.url, slice.query, bronze);
        await settle();
        const received = backend.drain();
        sliceResults.push({
          gateway: gateway.name,
          slice: slice.name,
          subgraphRequestsPerRequest: received.length / SLICE_REQUESTS,
          errors: last?.body.errors?.length ?? 0,
          data: last?.body.data,
        });
      }
      if (gateway.name === G4) {
        // Two callers, identical documents, in flight together: nothing may be shared between them.
        const K = 40;
        const [alice, bob] = [await mint('alice', 'gold'), await mint('bob', 'gold')];
        const query = '{ viewer { login } repositories { name } }';
        await settle();
        backend.drain();
        const answers = await Promise.all(Array.from({ length: 2 * K }, (_, i) => post(server.url, query, i % 2 === 0 ? alice : bob)));
        await settle();
        const received = backend.drain();
        const wrong = answers.filter(
          (a, i) => (a.body.data as { viewer?: { login?: string } } | undefined)?.viewer?.login !== (i % 2 === 0 ? 'alice' : 'bob'),
        ).length;
        const bySubgraphAndSub = new Map<string, number>();
        for (const r of received) bySubgraphAndSub.set(`${r.subgraph} ${r.sub}`, (bySubgraphAndSub.get(`${r.subgraph} ${r.sub}`) ?? 0) + 1);
        const counts = ['accounts alice', 'accounts bob', 'repositories alice', 'repositories bob'].map((key) => bySubgraphAndSub.get(key) ?? 0);
        dedupe = {
          pass: wrong === 0 && counts.every((c) => c === K) && received.length === 4 * K,
          detail:
            `${2 * K} concurrent requests (${K} alice, ${K} bob): ${wrong} answered another caller's viewer; subgraph documents ` +
            `accounts alice/bob ${counts[0]}/${counts[1]}, repositories alice/bob ${counts[2]}/${counts[3]} (expected ${K} each)`,
        };
        console.log(`dedupe check: ${dedupe.pass ? 'pass' : 'FAIL'}: ${dedupe.detail}`);
      }
    } finally {
      await server.stop();
    }
  }
  console.log('\n| gateway | slice | subgraph requests / request | errors in answer |\n|---|---|---:|---:|');
  for (const r of sliceResults) console.log(`| ${r.gateway} | ${r.slice} | ${r.subgraphRequestsPerRequest.toFixed(2)} | ${r.errors} |`);
  console.log('');
}

// ---------------------------------------------------------------------------------------- rounds
/** BENCH_SLICE: seconds per interleaved slice (interleave.ts); 0 measures each run whole, one after the other. */
const SCHEDULE = sliceSchedule(DURATION, num('BENCH_SLICE', 2));
const waitQuiet = quietWaiter(num('BENCH_QUIET_WAIT', 5), num('BENCH_QUIET_BUDGET', 60));

/** One measured slice of one gateway: totals, summed into its run. */
interface Slice {
  requests: number;
  /** Requests sent, answered or not when the slice ended: what the subgraph requests counted are for. */
  sent: number;
  seconds: number;
  wallUs: number;
  gatewayUs: number;
  subgraphUs: number;
  clientUs: number;
  subgraphRequests: number;
  foreign: number;
  quietBefore: number;
  bad: number;
  latencies: number[];
}
interface Sample {
  round: number;
  rps: number;
  p50: number;
  p99: number;
  /** Gateway CPU (utime + stime, /proc) per request. */
  cpuUsPerReq: number;
  /** Both subgraph processes' CPU per gateway request. */
  subgraphCpuUsPerReq: number;
  subgraphRequestsPerRequest: number;
  requests: number;
  bad: number;
  /** Gateway CPU / wall time: 1.0 = its core saturated. */
  gatewayLoad: number;
  /** CPU 0's share: autocannon (this process) + both subgraphs, in cores. */
  cpu0Load: number;
  /** Other processes on the machine during the run, in cores: the most of any slice. */
  foreign: number;
  /** The busiest machine reading before a slice, in cores. */
  quietBefore: number;
  slices: number;
}
const samples = new Map<string, Sample[]>(GATEWAYS.map((g) => [g.name, []]));

async function measure(server: Running, token: string, expectBody: string, seconds: number): Promise<Slice> {
  const subgraphPids = backend.subgraphs.map((s) => s.pid);
  const quietBefore = await waitQuiet();
  backend.drainCount();
  const latencies: number[] = [];
  const cpu0 = procCpuMicros(server.pid);
  const sub0 = subgraphPids.reduce((sum, pid) => sum + procCpuMicros(pid), 0);
  const me0 = procCpuMicros(process.pid);
  const machine0 = machineBusyMicros();
  const t0 = performance.now();
  const r = await loadWithLatencies(
    {
      url: server.url,
      method: 'POST',
      headers: headersFor(token),
      body: JSON.stringify({ query: QUERY }),
      connections: CONNECTIONS,
      duration: seconds,
      expectBody,
    },
    latencies,
  );
  const wallUs = (performance.now() - t0) * 1000;
  const cpu1 = procCpuMicros(server.pid);
  const sub1 = subgraphPids.reduce((sum, pid) => sum + procCpuMicros(pid), 0);
  const me1 = procCpuMicros(process.pid);
  const machine1 = machineBusyMicros();
  await settle();
  return {
    requests: r.requests.total,
    sent: (r.requests as { sent?: number }).sent ?? r.requests.total,
    seconds,
    wallUs,
    gatewayUs: cpu1 - cpu0,
    subgraphUs: sub1 - sub0,
    clientUs: me1 - me0,
    subgraphRequests: backend.drainCount(),
    foreign: Math.max(0, machine1 - machine0 - (cpu1 - cpu0) - (sub1 - sub0) - (me1 - me0)) / wallUs,
    quietBefore,
    bad: r.non2xx + r.errors + r.timeouts + (r.mismatches ?? 0),
    latencies,
  };
}

/** A gateway's run in one round: its slices summed; latency percentiles over every response of them. */
function sampleOf(round: number, slices: readonly Slice[]): Sample {
  const sum = (pick: (s: Slice) => number) => slices.reduce((total, s) => total + pick(s), 0);
  const [requests, seconds, wallUs] = [sum((s) => s.requests), sum((s) => s.seconds), sum((s) => s.wallUs)];
  const latencies = slices.flatMap((s) => s.latencies);
  return {
    round,
    rps: requests / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuUsPerReq: sum((s) => s.gatewayUs) / requests,
    subgraphCpuUsPerReq: sum((s) => s.subgraphUs) / requests,
    subgraphRequestsPerRequest: sum((s) => s.subgraphRequests) / sum((s) => s.sent),
    requests,
    bad: sum((s) => s.bad),
    gatewayLoad: sum((s) => s.gatewayUs) / wallUs,
    cpu0Load: sum((s) => s.subgraphUs + s.clientUs) / wallUs,
    foreign: Math.max(...slices.map((s) => s.foreign)),
    quietBefore: Math.max(...slices.map((s) => s.quietBefore)),
    slices: slices.length,
  };
}

let reference: unknown;
const started = Date.now();
const machine = `${cpus().length}× ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
console.log(
  `machine: ${machine}; ${CONNECTIONS} connections, ${WARMUP}s warm-up + ${DURATION}s per run ` +
    `(${SCHEDULE.slices === 1 ? 'whole' : `${SCHEDULE.slices} interleaved slices of ${SCHEDULE.seconds}s`}), ${ROUNDS} rounds; ` +
    (PIN ? 'gateway pinned to CPU 1, subgraphs + autocannon on CPU 0' : 'no CPU pinning') +
    `; hive JWT: ${HIVE_JWT}; payload: ${PAYLOAD}`,
);
try {
  for (let round = 1; round <= ROUNDS; round++) {
    // One gold token for the round, whose runs must end within its 300 s before it decays (a wrong answer fails the bench).
    const token = await mint('alice', 'gold');
    const running: Array<{ gateway: Gateway; server: Running; text: string }> = [];
    try {
      for (const gateway of GATEWAYS) {
        const server = await start(gateway, token);
        running.push({ gateway, server, text: '' });
        const first = await post(server.url, QUERY, token);
        // The realistic answer is checked against the first gateway's: every gateway must give the same data.
        const expected = REALISTIC ? (reference ??= first.body.data) : EXPECTED;
        if (first.status !== 200 || first.body.errors !== undefined || JSON.stringify(first.body.data) !== JSON.stringify(expected)) {
          throw new Error(`${gateway.name} answered ${first.status} ${first.text}`);
        }
        running.at(-1)!.text = first.text;
      }
      for (const { server } of running) {
        await autocannon({
          url: server.url,
          method: 'POST',
          headers: headersFor(token),
          body: JSON.stringify({ query: QUERY }),
          connections: CONNECTIONS,
          duration: WARMUP,
        });
      }
      // Other work on a shared machine distorts a slice: measured again (same warm process), the cleanest kept.
      const taken = await interleave<(typeof running)[number], Slice>(
        running,
        SCHEDULE,
        { round, name: ({ gateway }) => gateway.name, ...retryPolicy() },
        ({ server, text }, seconds) => measure(server, token, text, seconds),
      );
      for (const [{ gateway }, slices] of taken) {
        const s = sampleOf(round, slices);
        console.log(
          `round ${round} ${gateway.name.padEnd(32)} ${s.rps.toFixed(0).padStart(6)} req/s  p50 ${s.p50} ms  p99 ${s.p99} ms  ` +
            `gateway ${s.cpuUsPerReq.toFixed(0)} µs/req (${s.gatewayLoad.toFixed(2)} core)  subgraphs ${s.subgraphCpuUsPerReq.toFixed(0)} µs/req, ` +
            `${s.subgraphRequestsPerRequest.toFixed(2)} req/req  CPU 0 ${s.cpu0Load.toFixed(2)} cores  other ≤ ${s.foreign.toFixed(2)} cores ` +
            `(≤ ${s.quietBefore.toFixed(2)} before)  bad ${s.bad}`,
        );
        if (s.bad > 0) throw new Error(`${gateway.name}: ${s.bad} bad responses (non-2xx, errors, timeouts or body mismatches)`);
        samples.get(gateway.name)!.push(s);
      }
    } finally {
      await Promise.all(running.map(({ server }) => server.stop()));
    }
  }
} finally {
  await backend.close();
}

// ---------------------------------------------------------------------------------------- report
const med = (name: string, pick: (s: Sample) => number) => median(samples.get(name)?.map(pick) ?? []);
console.log(`\nmedian of ${ROUNDS} rounds (bench took ${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
console.log(
  '| gateway | req/s | p50 ms | p99 ms | gateway CPU µs/req | gateway load (cores) | subgraph requests / request | subgraph CPU µs/req | other procs (cores) |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const { name } of GATEWAYS) {
  console.log(
    `| ${name} | ${med(name, (s) => s.rps).toFixed(0)} | ${med(name, (s) => s.p50)} | ${med(name, (s) => s.p99)} | ${med(name, (s) => s.cpuUsPerReq).toFixed(0)} | ` +
      `${med(name, (s) => s.gatewayLoad).toFixed(2)} | ${med(name, (s) => s.subgraphRequestsPerRequest).toFixed(2)} | ${med(name, (s) => s.subgraphCpuUsPerReq).toFixed(0)} | ` +
      `${med(name, (s) => s.foreign).toFixed(2)} |`,
  );
}

/** The ratio a / b in each round (both measured in the same round), with the ratio of the medians. */
function ratios(a: string, b: string, pick: (s: Sample) => number): { ofMedians: number; perRound: number[] } {
  const xs = samples.get(a) ?? [];
  const ys = samples.get(b) ?? [];
  const perRound = xs.flatMap((x) => {
    const y = ys.find((s) => s.round === x.round);
    return y === undefined ? [] : [pick(x) / pick(y)];
  });
  return { ofMedians: med(a, pick) / med(b, pick), perRound };
}
const fmt = (r: { ofMedians: number; perRound: number[] }) =>
  `${r.ofMedians.toFixed(2)}× (per round ${r.perRound.map((x) => x.toFixed(2)).join(', ')}; median ${median(r.perRound).toFixed(2)})`;

const goals: Array<{ goal: string; value: string; met: boolean | undefined }> = [];
const has = (...names: string[]) => names.every((n) => (samples.get(n)?.length ?? 0) > 0);
/** Most CPU other processes used in any kept run of these gateways. */
const busiest = (...names: string[]) => Math.max(...names.flatMap((name) => samples.get(name)?.map((s) => s.foreign) ?? [0]));
/** A goal on a ratio, met only when every round's ratio meets it. */
const ratioGoal = (goal: string, a: string, b: string, pick: (s: Sample) => number, ok: (x: number) => boolean) => {
  const r = ratios(a, b, pick);
  goals.push({ goal, value: `${fmt(r)}; other processes ≤ ${busiest(a, b).toFixed(2)} cores`, met: r.perRound.length > 0 && r.perRound.every(ok) });
};
if (has(G4, G2)) {
  ratioGoal(
    '(G4) throughput ≥ 2.0 × (G2)',
    G4,
    G2,
    (s) => s.rps,
    (x) => x >= 2.0,
  );
  ratioGoal(
    '(G4) p99 ≤ (G2) p99',
    G4,
    G2,
    (s) => s.p99,
    (x) => x <= 1.0,
  );
}
if (has(G4, G1))
  ratioGoal(
    '(G4) throughput ≥ 1.5 × (G1)',
    G4,
    G1,
    (s) => s.rps,
    (x) => x >= 1.5,
  );
if (has(G4, G5))
  ratioGoal(
    '(G4) throughput ≥ 1.0 × (G5)',
    G4,
    G5,
    (s) => s.rps,
    (x) => x >= 1.0,
  );
if (has(G4, G3))
  ratioGoal(
    '(G4) gateway CPU/request ≤ 1.10 × (G3)',
    G4,
    G3,
    (s) => s.cpuUsPerReq,
    (x) => x <= 1.1,
  );
const slice = (gateway: string, name: string) => sliceResults.find((r) => r.gateway === gateway && r.slice === name)?.subgraphRequestsPerRequest;
for (const { name, fewer } of SLICES) {
  const [mine, fetchAll] = [slice(G4, name), slice(G3, name)];
  if (mine === undefined || fetchAll === undefined) continue;
  goals.push({
    goal: `refused slice ${name}: (G4) ${fewer ? 'fewer' : 'no more'} subgraph requests than fetching and nulling (G3)`,
    value: `${mine.toFixed(2)} vs ${fetchAll.toFixed(2)} per request`,
    met: fewer ? mine < fetchAll : mine <= fetchAll,
  });
}
if (dedupe !== undefined) goals.push({ goal: 'in-flight deduplication never merges different callers (G4)', value: dedupe.detail, met: dedupe.pass });
if (goals.length > 0) {
  console.log('\n| goal | measured | met |\n|---|---|---|');
  for (const goal of goals) console.log(`| ${goal.goal} | ${goal.value} | ${goal.met ? 'met' : '**missed**'} |`);
}

const resultsDir = resolve(import.meta.dirname, 'results');
mkdirSync(resultsDir, { recursive: true });
const resultFile = resolve(resultsDir, `gateways-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  resultFile,
  JSON.stringify(
    {
      machine: { cpus: cpus().length, model: cpus()[0]?.model.trim(), memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
      settings: {
        rounds: ROUNDS,
        duration: DURATION,
        warmup: WARMUP,
        connections: CONNECTIONS,
        pinned: PIN,
        hiveJwt: HIVE_JWT,
        query: QUERY,
        payload: PAYLOAD,
        dedupeInflight: false,
      },
      samples: Object.fromEntries(samples),
      slices: sliceResults,
      dedupe,
      goals,
    },
    null,
    2,
  ),
);
console.log(`\nJSON: ${resultFile}`);
