/**
 * How many source files one federated request crosses: V8's precise coverage (call counts) is reset
 * after warm-up, one request is sent, and every `src/` file with a function that ran is listed.
 * `npx tsx bench/filesPerRequest.ts`
 */
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { GOLD, startHarness, T0 } from '../test/helpers/gateway.js';

const QUERY = '{ viewer { login email repositories { name } } }';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });

const harness = await startHarness();
const token = await harness.issuer.sign({ sub: 'alice', acr: GOLD, auth_time: T0 - 30 });
for (let i = 0; i < 5; i++) await harness.post(QUERY, { token });
await session.post('Profiler.takePreciseCoverage'); // resets the counts
const answer = await harness.post(QUERY, { token });
const { result } = await session.post('Profiler.takePreciseCoverage');
await harness.close();

// The subgraphs run in this process too: their side (verifying the transaction token) is not the gateway's.
const SUBGRAPH_SIDE = new Set(['src/subgraph.ts', 'src/federation/txnCheck.ts', 'src/federation/txnReplay.ts']);
const files = new Map<string, number>();
let decisions = 0;
for (const script of result) {
  if (!script.url.startsWith('file:')) continue;
  const path = relative(ROOT, fileURLToPath(script.url));
  if (!path.startsWith('src/') || SUBGRAPH_SIDE.has(path)) continue;
  if (path === 'src/stepup/decide.ts') decisions = script.functions.find((fn) => fn.functionName === 'decide')?.ranges[0]!.count ?? 0;
  const called = script.functions.filter((fn) => fn.ranges[0]!.count > 0 && fn.functionName !== '').length;
  if (called > 0) files.set(path, called);
}
console.log(`status ${answer.status}; ${files.size} src/ files of the gateway ran during one request; decide() ran ${decisions} times:`);
for (const [path, functions] of [...files].sort()) console.log(`  ${path} (${functions} functions)`);
