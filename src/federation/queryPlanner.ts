import { buildHTTPExecutor } from '@graphql-tools/executor-http';
import type { ExecutionRequest, Executor } from '@graphql-tools/utils';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import {
  buildASTSchema,
  getNamedType,
  GraphQLError,
  isAbstractType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  BREAK,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import type { PolicyEntry, PolicyTable } from '../graphql/policyTable.js';
import { subgraphFetch, type SubgraphRoute } from './subgraphCall.js';

/**
 * Hive Router's query planner (Rust, `@graphql-hive/router-query-planner`) and its plan executor
 * (`@graphql-hive/router-runtime`), both MIT, for the queries and mutations that need nothing at resolve time.
 *
 *   pruned operation ─plan (Rust, kept per document)─▶ fetches, flattens, sequences
 *                    ─execute─▶ each fetch through `subgraphFetch` (budget, egress check, signed identity)
 *
 * The pruning already removed every field the caller may not have, and every subgraph request still passes the
 * egress check, so the stitched schema's resolve-time guards would check again what is already decided. What
 * they do that pruning does not stays on the stitched executor (`planningNeeds`): a `once` field's claim, an
 * approval's arguments, the concrete type a protected interface or union resolves to, and introspection.
 * Subscriptions stay there too: each event is executed from its source event, which a plan cannot start from.
 */
export interface PlannedExecutor {
  execute(request: ExecutionRequest): Promise<ExecutionResult>;
}

/** One HTTP executor per subgraph (by its name in the supergraph), each request sent through `subgraphFetch`. */
export function subgraphExecutors(routes: ReadonlyMap<string, { readonly route: SubgraphRoute; readonly endpoint: string }>): Map<string, Executor> {
  const executors = new Map<string, Executor>();
  for (const [name, { route, endpoint }] of routes) {
    executors.set(
      name,
      buildHTTPExecutor({
        endpoint,
        // Each request carries its caller's identity: never merged with another caller's in flight.
        deduplicateInflightRequests: false,
        fetch: (url: string, init: RequestInit | undefined, context: unknown) => subgraphFetch(route, url, init, context),
      }) as Executor,
    );
  }
  return executors;
}

export async function createPlannedExecutor(
  supergraphSdl: string,
  /** The supergraph as graphql-js reads it, join directives included: what the plan executor reads entities from. */
  supergraph: DocumentNode,
  /** Each subgraph's executor, by its name in the supergraph (`subgraphExecutors`). */
  executors: ReadonlyMap<string, Executor>,
  /** Told why the planner cannot serve this supergraph (its native module does not load here, it refuses the supergraph). */
  warn: (message: string) => void,
): Promise<PlannedExecutor | undefined> {
  let handled: Awaited<ReturnType<typeof unifiedGraphHandler>>;
  try {
    handled = await unifiedGraphHandler({
      unifiedGraph: buildASTSchema(supergraph, { assumeValid: true, assumeValidSDL: true }),
      getUnifiedGraphSDL: () => supergraphSdl,
      onSubgraphExecute(name: string, request: ExecutionRequest) {
        const executor = executors.get(name);
        if (executor === undefined) throw new Error(`the supergraph names no subgraph "${name}"`);
        return executor(request);
      },
    } as never);
  } catch (error) {
    // Everything is then executed by the stitched executor, as before the planner: slower, not less safe.
    warn(`the Rust query planner cannot serve this supergraph, so the stitching executor runs every operation: ${(error as Error).message}`);
    return undefined;
  }
  const executor = handled.executor!;
  return {
    async execute(request) {
      let result: ExecutionResult;
      try {
        result = (await executor(request)) as ExecutionResult;
      } catch (error) {
        // Variables the operation's definitions do not accept: the caller's mistake, as graphql-js answers it.
        if (error instanceof GraphQLError) return { errors: [error] };
        if (error instanceof AggregateError && error.errors.every((each) => each instanceof GraphQLError)) return { errors: error.errors };
        // A plan the planner cannot make over this supergraph: critical, as the stitching executor marks it.
        return { errors: [new GraphQLError((error as Error).message, { extensions: { CRITICAL_ERROR: true } })] };
      }
      // No fetch answered data: each field the caller asked for is null (or bubbles), beside the errors.
      return result.data === undefined || result.data === null ? { ...result, data: {} } : result;
    },
  };
}

/**
 * What an operation (inlined, as planned) needs. `resolveTime`: the stitched executor's resolve-time layer,
 * for a selected protected entry that is claimed once or bound to an approval, a selection on an interface or
 * union whose members are protected (the guard checks the concrete type each value resolves to), introspection,
 * or nothing to plan (`__typename` alone at the root). `abstract`: it selects an interface or a union.
 */
export function planningNeeds(
  schema: GraphQLSchema,
  table: PolicyTable,
  document: DocumentNode,
  entries: readonly PolicyEntry[],
): { resolveTime: boolean; abstract: boolean } {
  let resolveTime = entries.some((entry) => entry.requirement.once === true || table.approvals.has(entry.coordinate));
  let abstract = false;
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        if (node.name.value === '__schema' || node.name.value === '__type') resolveTime = true;
        const type = getNamedType(typeInfo.getType());
        if (type !== undefined && type !== null && isAbstractType(type)) {
          abstract = true;
          if (table.abstractTypes.has(type.name)) resolveTime = true;
        }
        return resolveTime ? BREAK : undefined;
      },
      OperationDefinition(node) {
        if (node.selectionSet.selections.every((selection) => selection.kind === Kind.FIELD && selection.name.value === '__typename')) resolveTime = true;
        return resolveTime ? BREAK : undefined;
      },
    }),
  );
  return { resolveTime, abstract };
}
