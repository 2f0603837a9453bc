/**
 * Differential CPU profile: where the gateway's extra µs per request go, next to the equal baseline.
 * For each round and each server (same order as bench.ts: (1) apollo-plain, then (3) gateway with the
 * token cached), the server is started pinned to CPU 1, warmed up, and the V8 profiler runs in it over
 * exactly the measured autocannon run (BENCH_PROFILE_FILE, see guthib.ts). Each sample's time goes to
 * the innermost frame of a file of ours or of a package (V8 builtins and node: internals count for the
 * code that called them; what no such frame called is "node internals"), and is divided by the requests
 * served: µs/request per file, per package, and per function of src/ and examples/.
 * Env: BENCH_ROUNDS (3), BENCH_DURATION (5 s), BENCH_WARMUP (2 s), BENCH_CONNECTIONS (10),
 *      BENCH_PROFILE_INTERVAL (100 µs), BENCH_QUERY (main | <n> protected fields, e.g. 100),
 *      BENCH_PROFILE_SET (single | gateways: (G3) the same stack without enforcement beside (G4) this
 *      gateway, federated, over bench/subgraphs.ts's two subgraph processes, with gateways.ts's query),
 *      BENCH_PAYLOAD (small | realistic: the gateway set's payload); BENCH_PROFILE_SET=ops: (3) beside
 *      (3l), the single-server gateway without and with its info log.
 * Usage: npx tsx bench/profile.ts   (profiles are kept in bench/results/profiles/, open them in Chrome DevTools)
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_KEYS_FILE, generateKeys, mintToken, readKeys } from './keys.js';
import { startServer } from './spawn.js';
import { GATEWAY_QUERIES, payloadFromEnv, startBackend, type Backend } from './subgraphs.js';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = num('BENCH_ROUNDS', 3);
const DURATION = num('BENCH_DURATION', 5);
const WARMUP = num('BENCH_WARMUP', 2);
const CONNECTIONS = num('BENCH_CONNECTIONS', 10);
const REPO = resolve(import.meta.dirname, '..');
const PIN = cpus().length >= 2;
const FIELDS = process.env['BENCH_QUERY'] === undefined || process.env['BENCH_QUERY'] === 'main' ? undefined : Number(process.env['BENCH_QUERY']);
const QUERY =
  FIELDS === undefined
    ? '{ repositories { name stars owner { login } } viewer { login email paymentMethods { last4 } } }'
    : `{ repositories { name } viewer { ${Array.from({ length: FIELDS }, (_, i) => `e${i}: email`).join(' ')} } }`;
const GATEWAYS = process.env['BENCH_PROFILE_SET'] === 'gateways';
const OPS = process.env['BENCH_PROFILE_SET'] === 'ops';
const SERVERS = GATEWAYS ? ['federated-plain', 'federated'] : OPS ? ['gateway', 'gateway+log'] : ['apollo-plain', 'gateway'];
const GATEWAY_QUERY = GATEWAY_QUERIES[payloadFromEnv()];

const keysFile = resolve(process.env['BENCH_KEYS_FILE'] ?? DEFAULT_KEYS_FILE);
if (!existsSync(keysFile)) await generateKeys(keysFile);
const dir = resolve(import.meta.dirname, 'results', 'profiles');
mkdirSync(dir, { recursive: true });
if (PIN) execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
const backend: Backend | undefined = GATEWAYS ? await startBackend({ cpu: PIN ? 0 : undefined }) : undefined;
const backendEnv = await backend?.gatewayEnv();

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** What a frame's time is counted as, or undefined for V8 builtins and node: internals (counted for their caller). */
function ownerOf(frame: CallFrame): { file: string; fn: string } | undefined {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return { file: '(garbage collector)', fn: '' };
  if (functionName === '(program)' || functionName === '(idle)' || functionName === '(root)') return { file: functionName, fn: '' };
  if (url === '' || url.startsWith('node:')) return undefined;
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = path.slice(nm + '/node_modules/'.length).split('/');
    return { file: parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!, fn: '' };
  }
  return { file: relative(REPO, path), fn: functionName || '(anonymous)' };
}

/** µs per request by file/package and by function of ours. */
function attribute(profile: Profile, requests: number): { byFile: Map<string, number>; byFn: Map<string, number>; total: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const owner = new Map<number, { file: string; fn: string }>();
  const ownerOfNode = (id: number): { file: string; fn: string } => {
    const known = owner.get(id);
    if (known !== undefined) return known;
    let found: { file: string; fn: string } | undefined;
    for (let at: number | undefined = id; at !== undefined && found === undefined; at = parent.get(at)) found = ownerOf(byId.get(at)!.callFrame);
    found ??= { file: 'node internals (http, net, streams, timers)', fn: '' };
    owner.set(id, found);
    return found;
  };
  const byFile = new Map<string, number>();
  const byFn = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i + 1] ?? 0; // a sample's time is the gap to the next one
    const { file, fn } = ownerOfNode(id);
    if (file === '(idle)') return;
    total += dt;
    byFile.set(file, (byFile.get(file) ?? 0) + dt);
    if (fn !== '') byFn.set(`${file} ${fn}`, (byFn.get(`${file} ${fn}`) ?? 0) + dt);
  });
  const perRequest = (m: Map<string, number>) => new Map([...m].map(([k, v]) => [k, v / requests]));
  return { byFile: perRequest(byFile), byFn: perRequest(byFn), total: total / requests };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? 0 : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const results = new Map<string, Array<ReturnType<typeof attribute> & { cpuUsPerReq: number; rps: number }>>(SERVERS.map((s) => [s, []]));
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
for (let round = 1; round <= ROUNDS; round++) {
  for (const name of SERVERS) {
    const token = await mintToken(readKeys(keysFile), { sub: 'alice', acr: 'gold', authAge: 0, ttl: 3600 });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const body = JSON.stringify({ query: GATEWAYS ? GATEWAY_QUERY : QUERY });
    const file = resolve(dir, `${stamp}-${name}-${round}.cpuprofile`);
    const server = await startServer(name.replace('+log', ''), {
      env: { BENCH_KEYS_FILE: keysFile, BENCH_PROFILE_FILE: file, ...backendEnv, ...(name.endsWith('+log') ? { BENCH_OPS: 'log' } : {}) },
      cpu: PIN ? 1 : undefined,
      probe: { body, headers },
    });
    try {
      const res = await fetch(server.url, { method: 'POST', headers, body });
      const text = await res.text();
      if (res.status !== 200 || text.includes('"errors"')) throw new Error(`${name} answered ${res.status} ${text}`);
      await autocannon({ url: server.url, method: 'POST', headers, body, connections: CONNECTIONS, duration: WARMUP });
      const cpu0 = await server.cpuUsage(); // starts the profiler
      const r = await autocannon({ url: server.url, method: 'POST', headers, body, connections: CONNECTIONS, duration: DURATION, expectBody: text });
      const cpu1 = await server.cpuUsage(); // stops it and writes the file
      const requests = r.requests.total;
      if (r.non2xx + r.errors + (r.mismatches ?? 0) > 0) throw new Error(`${name}: bad responses`);
      const a = attribute(JSON.parse(readFileSync(file, 'utf8')) as Profile, requests);
      const cpuUsPerReq = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / requests;
      results.get(name)!.push({ ...a, cpuUsPerReq, rps: requests / DURATION });
      console.log(
        `round ${round} ${name.padEnd(12)} ${(requests / DURATION).toFixed(0)} req/s, ${cpuUsPerReq.toFixed(1)} µs CPU/req (profiled), ${a.total.toFixed(1)} µs/req in samples  ${relative(REPO, file)}`,
      );
    } finally {
      await server.stop();
      backend?.drainCount();
    }
  }
}

const [base, gw] = SERVERS.map((s) => results.get(s)!);
const med = (runs: typeof base, pick: (r: (typeof base)[number]) => number) => median(runs!.map(pick));
await backend?.close();
const query = GATEWAYS ? GATEWAY_QUERY : QUERY;
console.log(`\nquery: ${query.length > 80 ? `${query.slice(0, 77)}...` : query}; medians of ${ROUNDS} rounds, µs per request\n`);
console.log(`| | ${SERVERS[0]} | ${SERVERS[1]} | Δ |\n|---|---:|---:|---:|`);
const row = (label: string, pick: (r: (typeof base)[number]) => number) => {
  const a = med(base, pick);
  const b = med(gw, pick);
  console.log(`| ${label} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b - a >= 0 ? '+' : '') + (b - a).toFixed(1)} |`);
};
row('req/s', (r) => r.rps);
row('CPU µs/req (process.cpuUsage, profiler on)', (r) => r.cpuUsPerReq);
row('sampled µs/req (all but idle)', (r) => r.total);
const files = new Set([...base!, ...gw!].flatMap((r) => [...r.byFile.keys()]));
const fileRows = [...files]
  .map((f) => ({ f, a: med(base, (r) => r.byFile.get(f) ?? 0), b: med(gw, (r) => r.byFile.get(f) ?? 0) }))
  .filter(({ a, b }) => a >= 0.2 || b >= 0.2)
  .sort((x, y) => Math.abs(y.b - y.a) - Math.abs(x.b - x.a));
for (const { f, a, b } of fileRows) console.log(`| ${f} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b - a >= 0 ? '+' : '') + (b - a).toFixed(1)} |`);
console.log('\ngateway, functions of src/ and examples/ (self time, builtins they call included)\n\n| function | µs/req |\n|---|---:|');
const fns = new Set(gw!.flatMap((r) => [...r.byFn.keys()]));
[...fns]
  .filter((f) => f.startsWith('src/') || f.startsWith('examples/'))
  .map((f) => ({ f, us: med(gw, (r) => r.byFn.get(f) ?? 0) }))
  .filter(({ us }) => us >= 0.1)
  .sort((x, y) => y.us - x.us)
  .slice(0, 30)
  .forEach(({ f, us }) => console.log(`| ${f} | ${us.toFixed(2)} |`));
