/**
 * Loopback benchmark of the competitor servers with autocannon's programmatic API.
 * Each round starts every server as its own process (`node --import tsx <file> 0`), waits until each answers,
 * checks its response body and warms it up; then measures them in interleaved slices (interleave.ts: A B C,
 * B C A, … BENCH_SLICE seconds each, until each has had BENCH_DURATION) and stops them. Reports per server
 * the median over rounds of requests/s, ratio to the baseline, p50/p99 latency (over every response of the
 * run) and server CPU µs per request (from /proc/<pid>/stat utime+stime, cross-checked with process.cpuUsage()).
 *
 * The machine may be shared: each slice reports the CPU other processes used meanwhile (from /proc/stat), waits
 * (bounded) for a quiet moment before measuring, and is measured again when it was noisy.
 *
 * Env: BENCH_SET (main | fields | all | baselines | ops | gateways: see gateways.ts), BENCH_ONLY (comma list of scenario name prefixes, e.g. "(1),(3),(6)"),
 *      BENCH_DURATION (s, default 5), BENCH_WARMUP (s, 2), BENCH_ROUNDS (3), BENCH_CONNECTIONS (10),
 *      BENCH_PIPELINING (1), BENCH_PIN (1: server on CPU 1, this process + autocannon on CPU 0),
 *      BENCH_SERVERS (comma list, default apollo-plain,yoga-generic-auth,apollo-shield; yoga-plain also exists),
 *      BENCH_SLICE (2 s; 0: each run whole), BENCH_RETRIES (2), BENCH_FOREIGN_MAX (0.1 cores),
 *      BENCH_QUIET_WAIT (5 s per slice), BENCH_QUIET_BUDGET (30 s),
 *      BENCH_KEYS_FILE.
 * Usage: npx tsx bench.ts      (or node --import tsx bench.ts)
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_KEYS_FILE, generateKeys, mintToken, readKeys } from './keys.js';
import { interleave, loadWithLatencies, percentile, quietWaiter, retryPolicy, sliceSchedule } from './interleave.js';
import { machineBusyMicros, median, procCpuMicros } from './procStat.js';
import { SERVERS, startServer, type Running } from './spawn.js';

// BENCH_SET=gateways: the federated gateways over two subgraph processes, with their own report (gateways.ts).
if (process.env['BENCH_SET'] === 'gateways') {
  await import('./gateways.js');
  process.exit(0);
}

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const DURATION = num('BENCH_DURATION', 5);
const WARMUP = num('BENCH_WARMUP', 2);
const ROUNDS = num('BENCH_ROUNDS', 3);
const CONNECTIONS = num('BENCH_CONNECTIONS', 10);
const PIPELINING = num('BENCH_PIPELINING', 1);
const PIN = process.env['BENCH_PIN'] !== '0' && cpus().length >= 2;
const BASELINE = '(1) apollo-plain';

const QUERY = '{ repositories { name stars owner { login } } viewer { login email paymentMethods { last4 } } }';
const EXPECTED_DATA = {
  repositories: [
    { name: 'gut', stars: 42, owner: { login: 'alice' } },
    { name: 'website', stars: 3, owner: { login: 'alice' } },
    { name: 'dotfiles', stars: 7, owner: { login: 'bob' } },
  ],
  viewer: { login: 'alice', email: 'alice@guthib.example', paymentMethods: [{ last4: '4242' }] },
};

const keysFile = resolve(process.env['BENCH_KEYS_FILE'] ?? DEFAULT_KEYS_FILE);
if (!existsSync(keysFile)) await generateKeys(keysFile);
// Gold decays to MEDIUM 300 s after auth_time (that is the product working): a fresh token for every round.
const mintGold = () => mintToken(readKeys(keysFile), { sub: 'alice', acr: 'gold', authAge: 0, ttl: 3600 });
let token = await mintGold();
const PUBLIC_QUERY = '{ repositories { name stars owner { login } } }';
/** n protected fields (User.email, MEDIUM) selected under aliases, beside the public part. */
const protectedFields = (n: number) => `{ repositories { name } viewer { ${Array.from({ length: n }, (_, i) => `e${i}: email`).join(' ')} } }`;
const fieldsData = (n: number) => ({
  repositories: [{ name: 'gut' }, { name: 'website' }, { name: 'dotfiles' }],
  viewer: Object.fromEntries(Array.from({ length: n }, (_, i) => [`e${i}`, 'alice@guthib.example'])),
});

/** One measured configuration: a server process, its environment, the request it is sent, the data it must answer. */
interface Scenario {
  readonly name: string;
  readonly server: (typeof SERVERS)[number];
  readonly env?: Record<string, string>;
  readonly query: string;
  readonly anonymous?: boolean;
  readonly expected: unknown;
}
const MAIN: Scenario[] = [
  { name: BASELINE, server: 'apollo-plain', query: QUERY, expected: EXPECTED_DATA },
  { name: '(2) gateway, anonymous, public', server: 'gateway', query: PUBLIC_QUERY, anonymous: true, expected: { repositories: EXPECTED_DATA.repositories } },
  { name: '(3) gateway, token cached', server: 'gateway', query: QUERY, expected: EXPECTED_DATA },
  { name: '(3o) gateway, token cached, info logging + metrics', server: 'gateway', env: { BENCH_OPS: '1' }, query: QUERY, expected: EXPECTED_DATA },
  {
    name: '(3q) gateway, token cached, info logging without request lines + metrics',
    server: 'gateway',
    env: { BENCH_OPS: 'quiet' },
    query: QUERY,
    expected: EXPECTED_DATA,
  },
  { name: '(4) gateway, token uncached', server: 'gateway', env: { BENCH_TOKEN_CACHE: '0' }, query: QUERY, expected: EXPECTED_DATA },
  { name: '(5) yoga + generic-auth', server: 'yoga-generic-auth', query: QUERY, expected: EXPECTED_DATA },
  { name: '(6) apollo + graphql-shield', server: 'apollo-shield', query: QUERY, expected: EXPECTED_DATA },
];
const FIELDS: Scenario[] = [1, 10, 100].flatMap((n) => [
  { name: `apollo-plain, ${n} protected`, server: 'apollo-plain' as const, query: protectedFields(n), expected: fieldsData(n) },
  { name: `gateway, ${n} protected`, server: 'gateway' as const, query: protectedFields(n), expected: fieldsData(n) },
]);
/** The baseline beside the former one (startStandaloneServer, cache-control plugin on), to show what the fix changed. */
const BASELINES: Scenario[] = [
  MAIN[0]!,
  {
    name: '(1x) apollo-plain, standalone + cache control (former baseline)',
    server: 'apollo-plain',
    env: { BENCH_PLAIN: 'standalone' },
    query: QUERY,
    expected: EXPECTED_DATA,
  },
];
// BENCH_SET=ops: what (3o) adds to (3), the log and the metrics apart.
const OPS: Scenario[] = [
  ...MAIN.filter((scenario) => scenario.name.startsWith('(3)') || scenario.name.startsWith('(3o)') || scenario.name.startsWith('(3q)')),
  { name: '(3l) gateway, token cached, info logging alone', server: 'gateway', env: { BENCH_OPS: 'log' }, query: QUERY, expected: EXPECTED_DATA },
  { name: '(3m) gateway, token cached, metrics alone', server: 'gateway', env: { BENCH_OPS: 'metrics' }, query: QUERY, expected: EXPECTED_DATA },
];
const SETS: Record<string, Scenario[]> = { main: MAIN, fields: FIELDS, all: [...MAIN, ...FIELDS], baselines: BASELINES, ops: OPS };
const ONLY = process.env['BENCH_ONLY']?.split(',').map((prefix) => prefix.trim());
const SCENARIOS = (SETS[process.env['BENCH_SET'] ?? 'main'] ?? MAIN).filter(
  (scenario) => ONLY === undefined || ONLY.some((prefix) => scenario.name.startsWith(prefix)),
);
const NAMES = SCENARIOS.map((scenario) => scenario.name);
const headersOf = (scenario: Scenario): Record<string, string> =>
  scenario.anonymous ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', authorization: `Bearer ${token}` };
const bodyOf = (scenario: Scenario) => JSON.stringify({ query: scenario.query });

/** BENCH_SLICE: seconds per interleaved slice (interleave.ts); 0 measures each run whole, one after the other. */
const SCHEDULE = sliceSchedule(DURATION, num('BENCH_SLICE', 2));
const waitQuiet = quietWaiter(num('BENCH_QUIET_WAIT', 5), num('BENCH_QUIET_BUDGET', 30));

if (PIN) execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });

/** One measured slice of one server: totals, summed into its run. */
interface Slice {
  requests: number;
  seconds: number;
  wallUs: number;
  serverUs: number;
  selfUs: number;
  clientUs: number;
  foreign: number;
  bad: number;
  latencies: number[];
}
interface Sample {
  rps: number;
  p50: number;
  p99: number;
  cpuUsPerReq: number;
  cpuUsPerReqSelf: number;
  requests: number;
  bad: number;
  /** Server CPU / wall time: 1.0 = its core saturated. */
  serverLoad: number;
  /** This process (autocannon) CPU / wall time. */
  clientLoad: number;
  /** CPU used by other processes on the machine during the run, in cores (the machine is shared): the most of any slice. */
  foreign: number;
  slices: number;
}
const samples = new Map<string, Sample[]>(NAMES.map((n) => [n, []]));
const bodies = new Map<string, string>();

function run(scenario: Scenario, url: string, seconds: number, expectBody?: string, latencies?: number[]): Promise<autocannon.Result> {
  const options = {
    url,
    method: 'POST' as const,
    headers: headersOf(scenario),
    body: bodyOf(scenario),
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    duration: seconds,
    expectBody,
  };
  return latencies === undefined ? autocannon(options) : loadWithLatencies(options, latencies);
}

async function measure(scenario: Scenario, server: Running, text: string, seconds: number): Promise<Slice> {
  await waitQuiet();
  const latencies: number[] = [];
  const self0 = await server.cpuUsage();
  const cpu0 = procCpuMicros(server.pid);
  const me0 = procCpuMicros(process.pid);
  const machine0 = machineBusyMicros();
  const t0 = performance.now();
  const r = await run(scenario, server.url, seconds, text, latencies);
  const wallUs = (performance.now() - t0) * 1000;
  const cpu1 = procCpuMicros(server.pid);
  const me1 = procCpuMicros(process.pid);
  const machine1 = machineBusyMicros();
  const self1 = await server.cpuUsage();
  return {
    requests: r.requests.total,
    seconds,
    wallUs,
    serverUs: cpu1 - cpu0,
    selfUs: self1.user + self1.system - self0.user - self0.system,
    clientUs: me1 - me0,
    foreign: Math.max(0, machine1 - machine0 - (cpu1 - cpu0) - (me1 - me0)) / wallUs,
    bad: r.non2xx + r.errors + r.timeouts + (r.mismatches ?? 0),
    latencies,
  };
}

/** A server's run in one round: its slices summed; latency percentiles over every response of them. */
function sampleOf(slices: readonly Slice[]): Sample {
  const sum = (pick: (s: Slice) => number) => slices.reduce((total, s) => total + pick(s), 0);
  const [requests, seconds, wallUs] = [sum((s) => s.requests), sum((s) => s.seconds), sum((s) => s.wallUs)];
  const latencies = slices.flatMap((s) => s.latencies);
  return {
    rps: requests / seconds, // autocannon's own r.requests.average is the mean of per-second buckets
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuUsPerReq: sum((s) => s.serverUs) / requests,
    cpuUsPerReqSelf: sum((s) => s.selfUs) / requests,
    requests,
    bad: sum((s) => s.bad),
    serverLoad: sum((s) => s.serverUs) / wallUs,
    clientLoad: sum((s) => s.clientUs) / wallUs,
    foreign: Math.max(...slices.map((s) => s.foreign)),
    slices: slices.length,
  };
}

const started = Date.now();
console.log(
  `machine: ${cpus().length}× ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ` +
    `${CONNECTIONS} connections, pipelining ${PIPELINING}, ${WARMUP}s warm-up + ${DURATION}s per run ` +
    `(${SCHEDULE.slices === 1 ? 'whole' : `${SCHEDULE.slices} interleaved slices of ${SCHEDULE.seconds}s`}), ${ROUNDS} rounds; ` +
    (PIN ? 'server pinned to CPU 1, autocannon to CPU 0' : 'no CPU pinning'),
);
for (let round = 1; round <= ROUNDS; round++) {
  // A round's runs must end within the gold token's 300 s (a wrong answer fails the bench).
  token = await mintGold();
  const running: Array<{ scenario: Scenario; server: Running; text: string }> = [];
  try {
    for (const scenario of SCENARIOS) {
      const headers = headersOf(scenario);
      const body = bodyOf(scenario);
      const server = await startServer(scenario.server, {
        env: { BENCH_KEYS_FILE: keysFile, ...scenario.env },
        cpu: PIN ? 1 : undefined,
        probe: { body, headers },
      });
      running.push({ scenario, server, text: '' });
      // The answer must be right before it is fast.
      const res = await fetch(server.url, { method: 'POST', headers, body });
      const text = await res.text();
      const parsed = JSON.parse(text) as { data?: unknown; errors?: unknown };
      if (res.status !== 200 || parsed.errors !== undefined || JSON.stringify(parsed.data) !== JSON.stringify(scenario.expected)) {
        throw new Error(`${scenario.name} answered ${res.status} ${text}`);
      }
      running.at(-1)!.text = text;
      bodies.set(scenario.name, text);
    }
    for (const { scenario, server } of running) await run(scenario, server.url, WARMUP);
    // Other work on a shared machine distorts a slice: measured again (same warm process), the cleanest kept.
    const taken = await interleave<(typeof running)[number], Slice>(
      running,
      SCHEDULE,
      { round, name: ({ scenario }) => scenario.name, ...retryPolicy() },
      ({ scenario, server, text }, seconds) => measure(scenario, server, text, seconds),
    );
    for (const [{ scenario }, slices] of taken) {
      const s = sampleOf(slices);
      console.log(
        `round ${round} ${scenario.name.padEnd(32)} ${s.rps.toFixed(0).padStart(6)} req/s  p50 ${s.p50} ms  p99 ${s.p99} ms  ` +
          `cpu ${s.cpuUsPerReq.toFixed(0)} µs/req (cpuUsage ${s.cpuUsPerReqSelf.toFixed(0)})  ` +
          `server ${s.serverLoad.toFixed(2)} core, client ${s.clientLoad.toFixed(2)}, other processes ≤ ${s.foreign.toFixed(2)} cores  bad ${s.bad}`,
      );
      if (s.bad > 0) throw new Error(`${scenario.name}: ${s.bad} bad responses (non-2xx, errors, timeouts or body mismatches)`);
      samples.get(scenario.name)!.push(s);
    }
  } finally {
    await Promise.all(running.map(({ server }) => server.stop()));
  }
}

const base = median(samples.get(BASELINE)?.map((s) => s.rps) ?? [NaN]);
console.log(`\nmedian of ${ROUNDS} rounds (bench took ${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
console.log('| server | req/s | vs baseline | p50 ms | p99 ms | server CPU µs/req | CPU vs baseline | other procs (cores) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
const baseCpu = median(samples.get(BASELINE)?.map((s) => s.cpuUsPerReq) ?? [NaN]);
for (const name of NAMES) {
  const xs = samples.get(name)!;
  const rps = median(xs.map((s) => s.rps));
  console.log(
    `| ${name} | ${rps.toFixed(0)} | ${(rps / base).toFixed(2)}× | ${median(xs.map((s) => s.p50))} | ${median(xs.map((s) => s.p99))} | ` +
      `${median(xs.map((s) => s.cpuUsPerReq)).toFixed(0)} | ${(median(xs.map((s) => s.cpuUsPerReq)) / baseCpu).toFixed(2)}× | ` +
      `${median(xs.map((s) => s.foreign)).toFixed(2)} |`,
  );
}

// --- Goals (issue: "state met or not, never hide a miss") and the JSON record. ---------------------
// A goal is met only when every round meets it, each round's ratio taken between runs of that round: a median
// of a noisy set hides the round that missed. Each goal prints its per-round values and the other processes' load.
const medianOf = (name: string, pick: (s: Sample) => number) => median(samples.get(name)?.map(pick) ?? [NaN]);
const perRound = (a: string, b: string, combine: (x: Sample, y: Sample) => number): number[] =>
  (samples.get(a) ?? []).map((x, i) => combine(x, samples.get(b)![i]!));
const busiest = (...names: string[]) => Math.max(...names.flatMap((name) => samples.get(name)?.map((s) => s.foreign) ?? [0]));
const goals: Array<{ goal: string; value: string; met: boolean; rounds: number[] }> = [];
const goal = (text: string, rounds: number[], unit: (x: number) => string, ok: (x: number) => boolean, ...names: string[]) =>
  goals.push({
    goal: text,
    value: `${unit(median(rounds))} (rounds ${rounds.map(unit).join(', ')}; other processes ≤ ${busiest(...names).toFixed(2)} cores)`,
    met: rounds.length > 0 && rounds.every(ok),
    rounds,
  });
const times = (x: number) => `${x.toFixed(2)}×`;
if (samples.has('(3) gateway, token cached')) {
  const cached = '(3) gateway, token cached';
  goal(
    '(3)/(1) throughput ≥ 1.00',
    perRound(cached, BASELINE, (x, y) => x.rps / y.rps),
    times,
    (x) => x >= 1,
    cached,
    BASELINE,
  );
  goal(
    '(3) added CPU ≤ 10 µs/request',
    perRound(cached, BASELINE, (x, y) => x.cpuUsPerReq - y.cpuUsPerReq),
    (x) => `${x.toFixed(0)} µs`,
    (x) => x <= 10,
    cached,
    BASELINE,
  );
  for (const other of ['(5) yoga + generic-auth', '(6) apollo + graphql-shield'].filter((name) => samples.has(name))) {
    goal(
      `(3) ≥ 1.4 × ${other}`,
      perRound(cached, other, (x, y) => x.rps / y.rps),
      times,
      (x) => x >= 1.4,
      cached,
      other,
    );
  }
  goal(
    'p99 of (3) ≤ 1.1 × p99 of (1)',
    perRound(cached, BASELINE, (x, y) => x.p99 / y.p99),
    times,
    (x) => x <= 1.1,
    cached,
    BASELINE,
  );
  // What the operator's view costs: with the request line (3o), and with `"log": { "requests": false }` (3q).
  for (const [observed, what] of [
    ['(3o) gateway, token cached, info logging + metrics', '(3o) info logging + metrics'],
    ['(3q) gateway, token cached, info logging without request lines + metrics', '(3q) info logging with "log.requests": false + metrics'],
  ] as const) {
    if (!samples.has(observed)) continue;
    goal(
      `${what} cost ≤ 5 % of (3) throughput`,
      perRound(observed, cached, (x, y) => 1 - x.rps / y.rps),
      (x) => `${(x * 100).toFixed(1)} %`,
      (x) => x <= 0.05,
      observed,
      cached,
    );
  }
}
if (samples.has('gateway, 100 protected')) {
  const added = (n: number) => medianOf(`gateway, ${n} protected`, (s) => s.cpuUsPerReq) - medianOf(`apollo-plain, ${n} protected`, (s) => s.cpuUsPerReq);
  const [one, ten, hundred] = [added(1), added(10), added(100)];
  goals.push({
    goal: 'added CPU flat in protected fields (1, 10, 100)',
    value: `${one.toFixed(0)} / ${ten.toFixed(0)} / ${hundred.toFixed(0)} µs (medians)`,
    met: hundred <= one + 10,
    rounds: [],
  });
}
if (goals.length > 0) {
  console.log('\n| goal | measured | met |\n|---|---|---|');
  for (const goal of goals) console.log(`| ${goal.goal} | ${goal.value} | ${goal.met ? 'met' : '**missed**'} |`);
}
const { mkdirSync, writeFileSync } = await import('node:fs');
const resultsDir = resolve(import.meta.dirname, 'results');
mkdirSync(resultsDir, { recursive: true });
const resultFile = resolve(resultsDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  resultFile,
  JSON.stringify(
    {
      machine: { cpus: cpus().length, model: cpus()[0]?.model.trim(), memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
      settings: { rounds: ROUNDS, duration: DURATION, warmup: WARMUP, connections: CONNECTIONS, pipelining: PIPELINING, pinned: PIN },
      samples: Object.fromEntries(samples),
      goals,
    },
    null,
    2,
  ),
);
console.log(`\nJSON: ${resultFile}`);
