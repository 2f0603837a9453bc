import type { DocumentNode } from 'graphql';
import type { PolicyEntry } from '../graphql/policyTable.js';
import type { GraphGeneration } from './federatedGraph.js';
import { passedRequirement, type PassedRequirement } from './identity.js';
import { inlineOperation, protectedEntries, prune, type Pruned } from './prune.js';
import { narrowUnions } from './unionReach.js';
import { planningNeeds } from './queryPlanner.js';

/** What pruning an operation depends on, computed once per document and operation. */
export interface OperationPlan {
  /** The caller's operation, fragments inlined: what the answer is shaped by. */
  readonly inlined: DocumentNode;
  /** What is planned and pruned: `inlined` without the members of partial unions its paths cannot reach (`unionReach.ts`). */
  readonly planned: DocumentNode;
  /** Whether `planned` differs from `inlined`: then the answer is always reshaped. */
  readonly narrowed: boolean;
  /** The protected entries it may select: the caller's decision on each picks the pruned operation. */
  readonly entries: readonly PolicyEntry[];
  readonly pruned: Map<string, Pruned>;
  /** Whether it needs the stitched executor's resolve-time layer rather than the Rust planner (`queryPlanner.ts`). */
  readonly resolveTime: boolean;
  /** Whether it selects an interface or a union: reshaping its answer needs `__typename`, which only pruning adds. */
  readonly abstract: boolean;
  passedClaims(pruned: Pruned): readonly PassedRequirement[];
}

const PLANS = new WeakMap<GraphGeneration, WeakMap<DocumentNode, Map<string, OperationPlan>>>();
/** Pruned versions kept per operation, one per distinct set of decisions met. */
const MAX_PRUNED_PER_OPERATION = 64;

export function planOf(generation: GraphGeneration, document: DocumentNode, operationName: string | null | undefined): OperationPlan {
  let byDocument = PLANS.get(generation);
  if (byDocument === undefined) PLANS.set(generation, (byDocument = new WeakMap()));
  let byName = byDocument.get(document);
  if (byName === undefined) byDocument.set(document, (byName = new Map()));
  const name = operationName ?? '';
  let plan = byName.get(name);
  if (plan !== undefined) return plan;
  const inlined = inlineOperation(generation.schema, generation.policy, document, operationName);
  const { document: planned, narrowed } =
    generation.unionReach === undefined ? { document: inlined, narrowed: false } : narrowUnions(generation.schema, generation.unionReach, inlined);
  const claims = new WeakMap<Pruned, readonly PassedRequirement[]>();
  const entries = protectedEntries(generation.schema, generation.policy, planned);
  const { resolveTime, abstract } = planningNeeds(generation.schema, generation.policy, planned, entries);
  plan = {
    inlined,
    planned,
    narrowed,
    entries,
    pruned: new Map(),
    resolveTime,
    abstract,
    passedClaims(result) {
      let passed = claims.get(result);
      if (passed === undefined)
        claims.set(result, (passed = Object.freeze([...result.passed.values()].map((entry) => passedRequirement(entry.coordinate, entry.requirement)))));
      return passed;
    },
  };
  byName.set(name, plan);
  return plan;
}

/** The pruned operation for one vector of decisions (`met[i]` for `plan.entries[i]`), made once and kept. */
export function prunedFor(generation: GraphGeneration, plan: OperationPlan, decisions: readonly boolean[]): Pruned {
  const key = decisions.map((met) => (met ? '1' : '0')).join('');
  let pruned = plan.pruned.get(key);
  if (pruned === undefined) {
    const met = new Map(plan.entries.map((entry, index) => [entry, decisions[index]!]));
    pruned = prune(generation.schema, generation.policy, plan.planned, (entry) => met.get(entry) ?? false, plan.narrowed);
    // Bounded, though an operation has at most 2^entries vectors and callers pick none of them freely.
    if (plan.pruned.size >= MAX_PRUNED_PER_OPERATION) plan.pruned.delete(plan.pruned.keys().next().value!);
    plan.pruned.set(key, pruned);
  }
  return pruned;
}
