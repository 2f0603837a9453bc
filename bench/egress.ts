/**
 * The egress check's cost per subgraph request, in µs, on this machine:
 *
 *   npx tsx bench/egress.ts
 *
 * On the example's supergraph (its two subgraphs composed), for the documents the executor sends for the
 * federated bench's operations: `cached` is what a request pays (a map lookup and one decision per protected
 * entry, decisions memoised per request as in the gateway), `representations` adds the walk of an
 * `_entities` request's variables, `first sight` is the one-time walk of a new document. The load of other
 * processes during the run is printed beside the figures.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { getStitchedSchemaFromSupergraphSdl } from '@graphql-tools/federation';
import { parse } from 'graphql';
import { composeSupergraph } from '../src/federation/compose.js';
import { createEgressCheck, protectedSelections } from '../src/federation/egress.js';
import { withInheritedRequirements } from '../src/federation/inheritedPolicy.js';
import { buildPolicyTable, type PolicyEntry } from '../src/graphql/policyTable.js';
import { createLadder } from '../src/stepup/ladder.js';
import { machineBusyMicros, procCpuMicros } from './procStat.js';

const N = Number(process.env['BENCH_N'] ?? 200_000);
const sdl = (name: string) => readFileSync(`examples/guthib/subgraphs/${name}.graphql`, 'utf8');
const supergraphSdl = composeSupergraph(['accounts', 'repositories'].map((name) => ({ name, url: `http://${name}.invalid/`, sdl: sdl(name) })));
const schema = getStitchedSchemaFromSupergraphSdl({ supergraphSdl });
const table = withInheritedRequirements(buildPolicyTable(schema, createLadder()), schema, parse(supergraphSdl));
const check = createEgressCheck(schema, table);

const ROOT = { query: 'query ($first: Int) { repositories(first: $first) { name stars owner { __typename id } } }', variables: { first: 10 } };
const ENTITIES = {
  query: 'query ($representations: [_Any!]!) { _entities(representations: $representations) { __typename ... on User { login email } } }',
  variables: { representations: Array.from({ length: 10 }, (_, i) => ({ __typename: 'User', id: `User:${i}` })) },
};

function time(label: string, run: () => unknown): void {
  for (let i = 0; i < N / 10; i++) run();
  const [busy, own] = [machineBusyMicros(), procCpuMicros(process.pid)];
  const started = performance.now();
  for (let i = 0; i < N; i++) run();
  const elapsed = performance.now() - started;
  const micros = (elapsed * 1000) / N;
  // The CPU other processes used while this measured, in cores: above 0.1 the figure is not a quiet one.
  const others = (machineBusyMicros() - busy - (procCpuMicros(process.pid) - own)) / (elapsed * 1000);
  console.log(`| ${label} | ${micros.toFixed(2)} µs | ${Math.max(0, others).toFixed(2)} cores |`);
}

console.log('| egress check | per subgraph request | other processes |\n|---|---:|---:|');
const perRequest = () => {
  const verdicts = new Map<PolicyEntry, boolean>();
  return (entry: PolicyEntry) => {
    let verdict = verdicts.get(entry);
    if (verdict === undefined) verdicts.set(entry, (verdict = entry.requirement.level !== 'HIGH'));
    return verdict;
  };
};
time('cached document, root fields', () => check(ROOT, perRequest()));
time('cached document, _entities with 10 representations', () => check(ENTITIES, perRequest()));
let i = 0;
time('first sight of a document (parse and walk)', () => protectedSelections(schema, table, `${ENTITIES.query} # ${i++}`));
