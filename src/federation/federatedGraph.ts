import type { GatewayInterface, GatewayExecutor } from '@apollo/server-gateway-interface';
import { getStitchedSchemaFromSupergraphSdl } from '@graphql-tools/federation';
import { createSourceEventStream, execute, GraphQLError, parse, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { CALLER_AUTHORIZATION, type StepUpContext } from '../graphql/context.js';
import { gatewayError } from '../graphql/errors.js';
import { checkRequirement, meets } from '../graphql/enforce.js';
import { guardSchemaInPlace } from '../graphql/guard.js';
import { buildPolicyTable, type PolicyEntry, type PolicyTable } from '../graphql/policyTable.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import { diffPolicies, type PolicyChange } from '../review/diff.js';
import { tracer } from '../ops/trace.js';
import type { Ladder } from '../stepup/ladder.js';
import { createEgressCheck, type EgressCheck } from './egress.js';
import { withInheritedRequirements } from './inheritedPolicy.js';
import { identityClaimsOf, type IdentitySigner } from './identity.js';
import { planOf, prunedFor } from './operationPlan.js';
import { readUnionReach, type UnionReach } from './unionReach.js';
import { createPlannedExecutor, subgraphExecutors, type PlannedExecutor } from './queryPlanner.js';
import { buildShapeSchema, reshape } from './prune.js';
import { DEFAULT_MAX_RESPONSE_BYTES } from './subgraphAnswer.js';
import { subscribeToSubgraph } from './subgraphSubscription.js';
import { SUBGRAPH_CALL, subgraphFetch, type SubgraphCall, type SubgraphRoute } from './subgraphCall.js';
import { rebuildChallenge, rebuildSubgraphChallenges, type ChallengeContext } from './subgraphChallenge.js';
import { joinGraphs, loadSupergraph, SubgraphUnreachable, type SubgraphConfig, type SupergraphSource } from './supergraph.js';
import { DEFAULTS } from '../defaults.js';
import type { SubscribableGraph } from '../http/websocket.js';

export type { SubgraphConfig, SupergraphSource } from './supergraph.js';
export { fetchSubgraphSdl, loadSupergraph } from './supergraph.js';

/** One served version of the graph: what a request started on is what it finishes on. */
export interface GraphGeneration {
  readonly supergraphSdl: string;
  /** The composed schema with the resolve-time guards: what Apollo validates and executes against. */
  readonly schema: GraphQLSchema;
  readonly policy: PolicyTable;
  readonly shapeSchema: GraphQLSchema;
  /** Checks each subgraph request against the caller's decisions before it is sent. */
  readonly egress: EgressCheck;
  /** Where the supergraph's partial unions' members can come from; undefined when it has none. */
  readonly unionReach: UnionReach | undefined;
  /**
   * Hive Router's planner and plan executor, for the operations that need nothing at resolve time
   * (`queryPlanner.ts`); undefined when it cannot serve this supergraph (then the stitched executor runs all).
   */
  readonly planned: PlannedExecutor | undefined;
}

export interface FederatedGraphOptions {
  readonly ladder: Ladder;
  readonly signer: IdentitySigner;
  /** Where upstream failures are logged in full (the caller gets a stable code only). */
  readonly warn: (message: string) => void;
  /** Builds what the generation needs beyond the policy table (lint, manifest); throws to refuse it. */
  readonly check?: (generation: GraphGeneration) => void;
  /** Subgraph request counts, faults and latencies. */
  readonly metrics?: GatewayMetrics | undefined;
  /**
   * Told which subgraph the first composition waits for while one does not answer (`undefined` once it
   * composed): readiness names it. A subgraph down at start is asked again with backoff, from 0.5 s to 10 s.
   */
  readonly onWaiting?: ((subgraph: string | undefined) => void) | undefined;
  /** Requests to subgraphs one operation may cause (`limits.maxSubgraphRequests`). Default 20. */
  readonly maxSubgraphRequests?: number | undefined;
  /** Serve a reload that weakens the policy (`reload.allowWeakening`). Default false: it is refused. */
  readonly allowWeakening?: boolean | undefined;
  /** Told each reload's weakenings (audit, metrics), and whether they are served. */
  readonly onWeakened?: ((changes: readonly PolicyChange[], served: boolean) => void) | undefined;
}

/** A request's context as the endpoints build it. */
type GatewayContext = StepUpContext & { [CALLER_AUTHORIZATION]?: string };

/** A reload refused because it weakens the policy: the current graph keeps serving. */
export class PolicyWeakenedError extends Error {
  readonly changes: readonly PolicyChange[];
  constructor(changes: readonly PolicyChange[]) {
    super(
      `it weakens the policy (set "reload": { "allowWeakening": true } to serve it anyway): ${changes.map((change) => `${change.coordinate}: ${change.reason}`).join('; ')}`,
    );
    this.name = 'PolicyWeakenedError';
    this.changes = changes;
  }
}

export interface FederatedGraph {
  /** Apollo Server's `gateway`: it gets the schema from here and executes through here. */
  readonly gateway: GatewayInterface;
  current(): GraphGeneration;
  /** The generation whose schema this is: a request finishes on the graph it started on. */
  generationOf(schema: GraphQLSchema): GraphGeneration | undefined;
  /** Reads or composes the supergraph again and swaps it in; a graph that fails keeps the current one serving. */
  reload(): Promise<{ readonly changed: boolean }>;
  /** Subscriptions over the current generation. */
  subscriptions(): SubscribableGraph;
}

/** Builds one generation: the stitched schema over the subgraphs, guarded, with its policy table, and the Rust planner. */
export async function buildGeneration(
  supergraphSdl: string,
  options: {
    ladder: Ladder;
    signer: IdentitySigner;
    subgraphs: readonly SubgraphConfig[];
    metrics?: GatewayMetrics | undefined;
    warn?: (message: string) => void;
  },
): Promise<GraphGeneration> {
  // Parsed once for what the gateway reads of it itself: the subgraphs' names and the joins' field sets.
  const supergraph = parse(supergraphSdl, { noLocation: true });
  const graphs = joinGraphs(supergraph);
  const configured = new Map(options.subgraphs.map((subgraph) => [subgraph.name, subgraph]));
  /** Each subgraph's route and URL, by its name in the supergraph: subscriptions go there over WebSocket. */
  const routes = new Map<string, { route: SubgraphRoute; endpoint: string | undefined }>();
  const stitched = getStitchedSchemaFromSupergraphSdl({
    supergraphSdl,
    // Root fields of one operation bound for one subgraph go as one request (the executor merges them per
    // execution context, which is each request's own: never across callers).
    batch: true,
    httpExecutorOpts: ({ name: graph, endpoint }) => {
      const name = graphs.get(graph)?.name ?? graph;
      const config = configured.get(name);
      const route: SubgraphRoute = {
        name,
        timeoutMs: config?.timeoutMs ?? DEFAULTS.timeoutMs,
        maxResponseBytes: config?.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
        forwardAuthorization: config?.forwardAuthorization === true,
        signer: options.signer,
        metrics: options.metrics,
        warn: options.warn ?? (() => {}),
      };
      routes.set(graph, { route, endpoint: config?.url ?? endpoint });
      return {
        endpoint: config?.url ?? endpoint,
        // The executor would otherwise merge identical requests in flight across callers, and each
        // request carries its caller's identity.
        deduplicateInflightRequests: false,
        fetch: (url: string, init: RequestInit | undefined, context: unknown) => subgraphFetch(route, url, init, context),
      };
    },
    // Queries and mutations go over HTTP; a subscription opens a WebSocket to the subgraph (`subgraphSubscription.ts`).
    onSubschemaConfig: (subschema) => {
      const over = routes.get(subschema.name);
      if (over === undefined) return;
      const http = subschema.executor;
      const endpoint = over.endpoint ?? subschema.endpoint;
      subschema.executor = (request) => (request.operationType === 'subscription' ? subscribeToSubgraph(over.route, endpoint, request) : http(request));
    },
  });
  // Fields the planner fetches for the caller (@requires, keys) carry the requirements of what they fetch.
  const policy = withInheritedRequirements(buildPolicyTable(stitched, options.ladder), stitched, supergraph);
  // The shape schema is a copy made before the guards go on; the guards go on the stitched schema itself,
  // since a guarded copy would not share the planner's state about its types and would fetch more.
  const shapeSchema = buildShapeSchema(stitched);
  const byName = new Map<string, { route: SubgraphRoute; endpoint: string }>();
  for (const { route, endpoint } of routes.values()) if (endpoint !== undefined) byName.set(route.name, { route, endpoint });
  const planned = await createPlannedExecutor(supergraphSdl, supergraph, subgraphExecutors(byName), options.warn ?? (() => {}));
  return Object.freeze({
    supergraphSdl,
    schema: guardSchemaInPlace(stitched, policy),
    policy,
    shapeSchema,
    egress: createEgressCheck(stitched, policy),
    unionReach: readUnionReach(supergraph),
    planned,
  });
}

/**
 * The federated graph: Apollo Server asks it for the schema and hands it each checked operation. The
 * executor prunes what the caller may not have, executes the rest across the subgraphs with a signed
 * identity per subgraph request, and answers in the shape of the caller's operation.
 */
export async function createFederatedGraph(source: SupergraphSource, options: FederatedGraphOptions & { now: () => number }): Promise<FederatedGraph> {
  const { ladder, signer } = options;
  const build = async (): Promise<GraphGeneration> => {
    const supergraphSdl = await loadSupergraph(source, signer, options.now);
    const generation = await buildGeneration(supergraphSdl, { ladder, signer, subgraphs: source.subgraphs, metrics: options.metrics, warn: options.warn });
    options.check?.(generation);
    return generation;
  };
  let current = await firstBuild(build, options);
  const bySchema = new WeakMap<GraphQLSchema, GraphGeneration>([[current.schema, current]]);
  const listeners = new Set<(update: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void>();

  /** What one execution sends the subgraphs and answers with: pruned for the caller's decisions now, signed for them. */
  const prepare = (generation: GraphGeneration, document: DocumentNode, operationName: string | null | undefined, context: GatewayContext) => {
    const state = context.stepUp;
    const planning = tracer.startSpan('step-up.plan');
    const plan = planOf(generation, document, operationName);
    // The caller's decisions pick one pruned operation, made once and reused: the same document object
    // lets the planner's own caches work, and a repeated operation costs a lookup.
    const decisions = plan.entries.map((entry) => meets(ladder, state, entry.requirement));
    const pruned = prunedFor(generation, plan, decisions);
    planning.setAttribute('stepup.refused_selections', pruned.refusals.size);
    planning.end();
    const claims = identityClaimsOf(ladder, state, plan.passedClaims(pruned));
    // Any protected entry an outgoing request selects or carries: the same verdicts, decided once per request.
    const allowed = (entry: PolicyEntry): boolean => meets(ladder, state, entry.requirement);
    const call: SubgraphCall = {
      egress: (request) => generation.egress(request, allowed),
      claims,
      claimsKey: JSON.stringify(claims),
      now: state.now,
      authorization: context[CALLER_AUTHORIZATION],
      requestId: state.record?.requestId,
      challenged: [],
      missingEntity: false,
      budget: { remaining: options.maxSubgraphRequests ?? 20 },
    };
    return {
      plan,
      pruned,
      call,
      document: pruned.refusals.size === 0 && !plan.narrowed ? document : pruned.document,
      contextValue: { ...context, [SUBGRAPH_CALL]: call },
    };
  };

  /** The subgraphs' answer as the caller's answer: critical errors, subgraph challenges, then the caller's shape. */
  const answer = (
    generation: GraphGeneration,
    prepared: ReturnType<typeof prepare>,
    request: {
      operationName: string | null | undefined;
      variables: Readonly<Record<string, unknown>> | null | undefined;
      checkedWhole: boolean;
      /** The plan executor answered (`queryPlanner.ts`): its data is completed as graphql-js would. */
      planned?: boolean;
    },
    state: StepUpContext['stepUp'],
    upstream: ExecutionResult,
  ): ExecutionResult | Promise<ExecutionResult> => {
    const { plan, pruned, call } = prepared;
    // An error the executor marks critical is a plan it could not make for this supergraph (a `node` no type
    // can resolve, an interface object no subgraph resolves): the operation fails whole, `data` null, as an
    // error on a non-null root would, rather than answering partial data. The details go to the log.
    const critical = upstream.errors?.filter((error) => error.extensions['CRITICAL_ERROR'] === true);
    if (critical !== undefined && critical.length > 0) {
      for (const error of critical) options.warn(`the operation cannot be planned over this supergraph: ${error.message}`);
      return { data: null, errors: critical.map((error) => gatewayError('INTERNAL_SERVER_ERROR', error.message, { path: error.path, nodes: error.nodes })) };
    }
    const challenges: ChallengeContext = {
      table: generation.policy,
      schema: generation.shapeSchema,
      document: plan.inlined,
      operationName: request.operationName,
      state,
      warn: options.warn,
    };
    // A mutation (or any operation checked whole) a subgraph challenged is answered like the gateway's own
    // refusal: 401 (403 when no step-up can help), its challenges, the RFC 9470 header, and no data. What
    // the fetch saw decides, since the executor drops an error whose field has data.
    if (call.challenged.length > 0 && request.checkedWhole) {
      const refused = call.challenged.map((challenge) => rebuildChallenge(challenges, challenge)).filter((rebuilt) => rebuilt.challenge);
      if (refused.length > 0) {
        const http = { status: refused.some(({ error }) => error.extensions['code'] !== 'STEP_UP_IMPOSSIBLE') ? 401 : 403 };
        return { errors: refused.map(({ error }) => new GraphQLError(error.message, { path: error.path, extensions: { ...error.extensions, http } })) };
      }
    }
    const errors = rebuildSubgraphChallenges(challenges, upstream.errors);
    return reshape({
      shapeSchema: generation.shapeSchema,
      document: plan.inlined,
      operationName: request.operationName,
      variableValues: request.variables ?? undefined,
      upstream: errors === upstream.errors ? upstream : { ...upstream, errors },
      refusals: pruned.refusals,
      narrowed: plan.narrowed,
      // The plan executor's data is completed as graphql-js would where its projection may differ: a fetch
      // failed or an entity is missing, so a non-null field may be null. Not an operation with interfaces or
      // unions: completing them needs `__typename` in the planned operation, and the Rust planner plans some
      // of those worse (it stops using a `@provides` whose selection lacks `__typename`).
      complete: request.planned === true && !plan.abstract && ((upstream.errors?.length ?? 0) > 0 || call.missingEntity),
      // Made only for a refused field the answer reaches: it records the requirement for the challenge.
      refuse: (entry) =>
        checkRequirement(ladder, state, entry.requirement, { coordinate: entry.coordinate }) ?? new GraphQLError(`${entry.coordinate} is refused`),
    });
  };

  const executor: GatewayExecutor = async (requestContext) => {
    const generation = bySchema.get(requestContext.schema) ?? current;
    // No operation to run (two and none named, a name the document lacks): the caller's mistake. graphql-js
    // says which without executing anything, and Apollo answers it 400 OPERATION_RESOLUTION_FAILURE, as in
    // single-server mode.
    if (requestContext.operation === undefined || requestContext.operation === null) {
      return execute({ schema: generation.shapeSchema, document: requestContext.document, operationName: requestContext.request.operationName ?? undefined });
    }
    const context = requestContext.context as unknown as GatewayContext;
    const prepared = prepare(generation, requestContext.document, requestContext.operationName, context);
    const planned = prepared.plan.resolveTime ? undefined : generation.planned;
    const upstream =
      planned === undefined
        ? await execute({
            schema: generation.schema,
            document: prepared.document,
            operationName: requestContext.operationName ?? undefined,
            variableValues: requestContext.request.variables,
            contextValue: prepared.contextValue,
          })
        : await planned.execute({
            document: prepared.document,
            operationName: requestContext.operationName ?? undefined,
            variables: requestContext.request.variables,
            context: prepared.contextValue,
          });
    return answer(
      generation,
      prepared,
      {
        operationName: requestContext.operationName,
        variables: requestContext.request.variables,
        checkedWhole: requestContext.operation.operation !== 'query' || context.stepUp.wholeOperation,
        planned: planned !== undefined,
      },
      context.stepUp,
      upstream,
    ) as Awaited<ReturnType<GatewayExecutor>>;
  };

  /**
   * Subscriptions over the generation current when each starts (it finishes on it): the upstream subscription is
   * opened with the operation pruned for the caller's decisions at subscribe; each event is executed (its other
   * subgraphs' fields fetched through the normal plan) with the operation pruned for the decisions at that event,
   * which can only have narrowed since, and answered in the caller's shape.
   */
  const subscriptions = (): SubscribableGraph => {
    const generation = current;
    return {
      schema: generation.schema,
      policy: generation.policy,
      async open(args, context) {
        const prepared = prepare(generation, args.document, args.operationName, context as GatewayContext);
        const stream = await createSourceEventStream({
          schema: generation.schema,
          document: prepared.document,
          operationName: args.operationName,
          variableValues: args.variableValues,
          contextValue: prepared.contextValue,
        });
        if (Symbol.asyncIterator in stream) return stream[Symbol.asyncIterator]();
        return answer(generation, prepared, { operationName: args.operationName, variables: args.variableValues, checkedWhole: false }, context.stepUp, stream);
      },
      async execute(args, event, context) {
        const prepared = prepare(generation, args.document, args.operationName, context as GatewayContext);
        const upstream = await execute({
          schema: generation.schema,
          document: prepared.document,
          operationName: args.operationName,
          variableValues: args.variableValues,
          rootValue: event,
          contextValue: prepared.contextValue,
        });
        return answer(
          generation,
          prepared,
          { operationName: args.operationName, variables: args.variableValues, checkedWhole: false },
          context.stepUp,
          upstream,
        );
      },
    };
  };

  return {
    subscriptions,
    current: () => current,
    generationOf: (schema) => bySchema.get(schema),
    async reload() {
      const next = await build();
      if (next.supergraphSdl === current.supergraphSdl) return { changed: false };
      // A reload never weakens policy silently: the same diff as `policy diff`, refused unless allowed.
      const weakened = diffPolicies({ schema: current.schema, table: current.policy }, { schema: next.schema, table: next.policy }).filter(
        (change) => change.kind === 'weakened',
      );
      if (weakened.length > 0) {
        const allowed = options.allowWeakening === true;
        options.onWeakened?.(weakened, allowed);
        if (!allowed) {
          throw new PolicyWeakenedError(weakened);
        }
      }
      bySchema.set(next.schema, next);
      current = next;
      for (const listener of listeners) listener({ apiSchema: next.schema, coreSupergraphSdl: next.supergraphSdl });
      return { changed: true };
    },
    gateway: {
      onSchemaLoadOrUpdate(listener) {
        listeners.add(listener);
        listener({ apiSchema: current.schema, coreSupergraphSdl: current.supergraphSdl });
        return () => listeners.delete(listener);
      },
      async load() {
        return { executor };
      },
      async stop() {},
    },
  };
}

/**
 * The first generation: a subgraph that does not answer yet (started after the gateway, restarting) is asked
 * again with backoff rather than ending the gateway; a graph that answers but does not compose is a mistake,
 * thrown at once.
 */
async function firstBuild(build: () => Promise<GraphGeneration>, options: FederatedGraphOptions): Promise<GraphGeneration> {
  for (let delay = FIRST_RETRY_MS; ; delay = Math.min(delay * 2, LAST_RETRY_MS)) {
    try {
      const generation = await build();
      options.onWaiting?.(undefined);
      return generation;
    } catch (error) {
      if (!(error instanceof SubgraphUnreachable)) throw error;
      options.onWaiting?.(error.subgraph);
      options.warn(`${error.message}; asking again in ${delay} ms`);
      await new Promise((done) => setTimeout(done, delay));
    }
  }
}

const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 10_000;
