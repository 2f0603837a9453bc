import { readFile } from 'node:fs/promises';
import type { GatewayInterface, GatewayExecutor } from '@apollo/server-gateway-interface';
import { getStitchedSchemaFromSupergraphSdl } from '@graphql-tools/federation';
import { fetch as subgraphHttp } from '@whatwg-node/fetch';
import { context as otelContext, propagation, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { GatewayMetrics } from '../ops/metrics.js';
import { ATTRIBUTES, SpanKind, tracer } from '../ops/trace.js';
import { execute, GraphQLError, Kind, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { CALLER_AUTHORIZATION, type StepUpContext, type StepUpState } from '../graphql/context.js';
import { checkRequirement } from '../graphql/enforce.js';
import { guardSchemaInPlace } from '../graphql/guard.js';
import { buildPolicyTable, type PolicyEntry, type PolicyTable } from '../graphql/policyTable.js';
import type { Ladder } from '../stepup/ladder.js';
import type { Requirement } from '../stepup/requirement.js';
import { composeSupergraph } from './compose.js';
import { IDENTITY_HEADER, identityClaimsOf, passedRequirement, type IdentityClaims, type IdentitySigner, type PassedRequirement } from './identity.js';
import { buildShapeSchema, inlineOperation, protectedEntries, prune, reshape, type Pruned } from './prune.js';
import { SubgraphFetchError } from './upstream.js';

/** A subgraph the gateway calls: its name (as in the supergraph), where, and how. */
export interface SubgraphConfig {
  readonly name: string;
  /** Where it answers GraphQL; overrides the supergraph's `@join__graph(url:)`. Required when composing. */
  readonly url?: string | undefined;
  /** Milliseconds one request to it may take. Default 5000. */
  readonly timeoutMs?: number | undefined;
  /** Send it the caller's own `Authorization` header too. Default false: it gets the gateway's signed identity only. */
  readonly forwardAuthorization?: boolean | undefined;
}

/** Where the supergraph comes from: composed here from the subgraphs' `_service { sdl }`, or a file composed elsewhere. */
export type SupergraphSource =
  | { readonly kind: 'subgraphs'; readonly subgraphs: readonly SubgraphConfig[] }
  | { readonly kind: 'file'; readonly path: string; readonly subgraphs: readonly SubgraphConfig[] };

/** One served version of the graph: what a request started on is what it finishes on. */
export interface GraphGeneration {
  readonly supergraphSdl: string;
  /** The composed schema with the resolve-time guards: what Apollo validates and executes against. */
  readonly schema: GraphQLSchema;
  readonly policy: PolicyTable;
  readonly shapeSchema: GraphQLSchema;
}

/** What the gateway's context holds for the subgraph requests of one execution. */
const SUBGRAPH_CALL = Symbol('subgraphCall');
interface SubgraphCall {
  readonly claims: IdentityClaims;
  /** The claims as the signer's cache key, made once per request rather than once per subgraph request. */
  readonly claimsKey: string;
  readonly now: number;
  readonly authorization: string | undefined;
  /** The request's `x-request-id`, forwarded so that the subgraph's logs name the same request. */
  readonly requestId: string | undefined;
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
}

export interface FederatedGraph {
  /** Apollo Server's `gateway`: it gets the schema from here and executes through here. */
  readonly gateway: GatewayInterface;
  current(): GraphGeneration;
  /** The generation whose schema this is: a request finishes on the graph it started on. */
  generationOf(schema: GraphQLSchema): GraphGeneration | undefined;
  /** Reads or composes the supergraph again and swaps it in; a graph that fails keeps the current one serving. */
  reload(): Promise<{ readonly changed: boolean }>;
}

/** Reads the supergraph: the file as it is, or the subgraphs' SDL composed. */
export async function loadSupergraph(source: SupergraphSource, signer: IdentitySigner, now: () => number): Promise<string> {
  if (source.kind === 'file') {
    try {
      return await readFile(source.path, 'utf8');
    } catch (error) {
      throw new TypeError(`the supergraph file ${source.path} cannot be read: ${(error as Error).message}`);
    }
  }
  const sdls = await Promise.all(
    source.subgraphs.map(async (subgraph) => ({ name: subgraph.name, url: subgraph.url!, sdl: await fetchSubgraphSdl(subgraph, signer, now()) })),
  );
  return composeSupergraph(sdls);
}

/** A subgraph's `{ _service { sdl } }`, asked with an identity the gateway signs for it. */
export async function fetchSubgraphSdl(subgraph: SubgraphConfig, signer: IdentitySigner, now: number): Promise<string> {
  let body: { data?: { _service?: { sdl?: unknown } }; errors?: Array<{ message?: string }> };
  try {
    const response = await fetch(subgraph.url!, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        [IDENTITY_HEADER]: await signer.sign({ passed: [] }, subgraph.name, now),
      },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
      signal: AbortSignal.timeout(subgraph.timeoutMs ?? 5_000),
    });
    body = (await response.json()) as typeof body;
  } catch (error) {
    throw new TypeError(`subgraph "${subgraph.name}" at ${subgraph.url} cannot be asked for its SDL: ${(error as Error).message}`);
  }
  const sdl = body.data?._service?.sdl;
  if (typeof sdl !== 'string') {
    throw new TypeError(`subgraph "${subgraph.name}" at ${subgraph.url} did not answer { _service { sdl } }: ${body.errors?.[0]?.message ?? 'no SDL'}`);
  }
  return sdl;
}

/** `join__Graph` enum values (`ACCOUNTS`) to the subgraph names of `@join__graph(name:)` (`accounts`). */
function joinGraphNames(supergraphSdl: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const definition of parse(supergraphSdl).definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? []) {
      const name = value.directives?.find((directive) => directive.name.value === 'join__graph')?.arguments?.find((argument) => argument.name.value === 'name')?.value;
      names.set(value.name.value, name?.kind === Kind.STRING ? name.value : value.name.value.toLowerCase());
    }
  }
  return names;
}

/** Builds one generation: the stitched schema over the subgraphs, guarded, with its policy table. */
export function buildGeneration(
  supergraphSdl: string,
  options: { ladder: Ladder; signer: IdentitySigner; subgraphs: readonly SubgraphConfig[]; metrics?: GatewayMetrics | undefined },
): GraphGeneration {
  const names = joinGraphNames(supergraphSdl);
  const configured = new Map(options.subgraphs.map((subgraph) => [subgraph.name, subgraph]));
  const stitched = getStitchedSchemaFromSupergraphSdl({
    supergraphSdl,
    httpExecutorOpts: ({ name: graph, endpoint }) => {
      const name = names.get(graph) ?? graph;
      const config = configured.get(name);
      const route: SubgraphRoute = {
        name,
        timeoutMs: config?.timeoutMs ?? 5_000,
        forwardAuthorization: config?.forwardAuthorization === true,
        signer: options.signer,
        metrics: options.metrics,
      };
      return {
        endpoint: config?.url ?? endpoint,
        // The executor would otherwise merge identical requests in flight across callers, and each
        // request carries its caller's identity.
        deduplicateInflightRequests: false,
        fetch: (url: string, init: RequestInit | undefined, context: unknown) => subgraphFetch(route, url, init, context),
      };
    },
  });
  const policy = buildPolicyTable(stitched, options.ladder);
  // The shape schema is a copy made before the guards go on; the guards go on the stitched schema itself,
  // since a guarded copy would not share the planner's state about its types and would fetch more.
  const shapeSchema = buildShapeSchema(stitched);
  return Object.freeze({ supergraphSdl, schema: guardSchemaInPlace(stitched, policy), policy, shapeSchema });
}

/** What every request to one subgraph is sent with: fixed when the generation is built. */
interface SubgraphRoute {
  readonly name: string;
  readonly timeoutMs: number;
  readonly forwardAuthorization: boolean;
  readonly signer: IdentitySigner;
  readonly metrics: GatewayMetrics | undefined;
}

async function subgraphFetch(route: SubgraphRoute, url: string, init: RequestInit | undefined, context: unknown): Promise<Response> {
  const { name, metrics } = route;
  const span = tracer.startSpan(`subgraph ${name}`, { kind: SpanKind.CLIENT, attributes: { [ATTRIBUTES.subgraph]: name } });
  const started = performance.now();
  let outcome = 'ok';
  try {
    const response = await sendToSubgraph(route, url, init, context, span);
    span.setAttribute('http.response.status_code', response.status);
    return response;
  } catch (error) {
    outcome = error instanceof SubgraphFetchError ? error.fault : 'SUBGRAPH_UNAVAILABLE';
    span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
    throw error;
  } finally {
    span.setAttribute(ATTRIBUTES.outcome, outcome);
    span.end();
    metrics?.subgraphRequests.inc({ subgraph: name, outcome });
    metrics?.subgraphDuration.observe({ subgraph: name }, (performance.now() - started) / 1000);
  }
}

async function sendToSubgraph(route: SubgraphRoute, url: string, init: RequestInit | undefined, context: unknown, span: Span): Promise<Response> {
  const { name, timeoutMs, forwardAuthorization, signer } = route;
  const call = (context as { [SUBGRAPH_CALL]?: SubgraphCall } | undefined)?.[SUBGRAPH_CALL];
  // Fail closed: a subgraph request outside an execution the gateway checked is not sent.
  if (call === undefined) throw new SubgraphFetchError(name, 'SUBGRAPH_UNAVAILABLE', 'a request without the gateway context was not sent');
  const identity = await signer.sign(call.claims, name, call.now, call.claimsKey);
  const given = init?.headers;
  const headers: Record<string, string> =
    given === undefined || given instanceof Headers || Array.isArray(given) ? Object.fromEntries(new Headers(given)) : { ...given };
  headers[IDENTITY_HEADER] = identity;
  if (forwardAuthorization && call.authorization !== undefined) headers['authorization'] = call.authorization;
  if (call.requestId !== undefined) headers['x-request-id'] = call.requestId;
  // W3C traceparent: the subgraph's spans continue this one.
  propagation.inject(trace.setSpan(otelContext.active(), span), headers);
  // The timeout alone bounds the request: the executor's own signal only ends with the gateway, whose
  // shutdown lets requests in flight finish anyway, and combining signals costs on every request.
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    // The executor's own fetch (node:http underneath): Node 20's global fetch costs several times more per request.
    response = (await subgraphHttp(url, { ...init, headers, signal: timeout })) as unknown as Response;
  } catch (error) {
    if (timeout.aborted) throw new SubgraphFetchError(name, 'SUBGRAPH_TIMEOUT', `no answer from ${url} within ${timeoutMs} ms`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new SubgraphFetchError(name, 'SUBGRAPH_UNAVAILABLE', `${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  const type = response.headers.get('content-type') ?? '';
  if (!/\bjson\b/i.test(type)) {
    await response.body?.cancel();
    throw new SubgraphFetchError(name, 'SUBGRAPH_BAD_RESPONSE', `${url} answered HTTP ${response.status} with content-type "${type}"`);
  }
  return response;
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
    const generation = buildGeneration(supergraphSdl, { ladder, signer, subgraphs: source.subgraphs, metrics: options.metrics });
    options.check?.(generation);
    return generation;
  };
  let current = await build();
  const bySchema = new WeakMap<GraphQLSchema, GraphGeneration>([[current.schema, current]]);
  const listeners = new Set<(update: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void>();

  const executor: GatewayExecutor = async (requestContext) => {
    const generation = bySchema.get(requestContext.schema) ?? current;
    const context = requestContext.context as unknown as StepUpContext & { [CALLER_AUTHORIZATION]?: string };
    const state = context.stepUp;
    const planning = tracer.startSpan('step-up.plan');
    const plan = planOf(generation, requestContext.document, requestContext.operationName);
    // The caller's decisions pick one pruned operation, made once and reused: the same document object
    // lets the planner's own caches work, and a repeated operation costs a lookup.
    const quiet = scratch(state);
    const decisions = plan.entries.map((entry) => checkRequirement(ladder, quiet, entry.requirement) === undefined);
    const key = decisions.map((met) => (met ? '1' : '0')).join('');
    let pruned = plan.pruned.get(key);
    if (pruned === undefined) {
      const met = new Map(plan.entries.map((entry, index) => [entry, decisions[index]!]));
      pruned = prune(generation.schema, generation.policy, plan.inlined, (entry) => met.get(entry) ?? false);
      // Bounded, though an operation has at most 2^entries vectors and callers pick none of them freely.
      if (plan.pruned.size >= MAX_PRUNED_PER_OPERATION) plan.pruned.delete(plan.pruned.keys().next().value!);
      plan.pruned.set(key, pruned);
    }
    planning.setAttribute('stepup.refused_selections', pruned.refusals.size);
    planning.end();
    const claims = identityClaimsOf(ladder, state, plan.passedClaims(pruned));
    const call: SubgraphCall = { claims, claimsKey: JSON.stringify(claims), now: state.now, authorization: context[CALLER_AUTHORIZATION], requestId: state.record?.requestId };
    const upstream = await execute({
      schema: generation.schema,
      document: pruned.refusals.size === 0 ? requestContext.document : pruned.document,
      operationName: requestContext.operationName ?? undefined,
      variableValues: requestContext.request.variables,
      contextValue: { ...context, [SUBGRAPH_CALL]: call },
    });
    noteSubgraphChallenges(ladder, state, upstream.errors);
    return reshape({
      shapeSchema: generation.shapeSchema,
      document: plan.inlined,
      operationName: requestContext.operationName,
      variableValues: requestContext.request.variables,
      upstream,
      refusals: pruned.refusals,
      // Made only for a refused field the answer reaches: it records the requirement for the challenge.
      refuse: (entry) => checkRequirement(ladder, state, entry.requirement, { coordinate: entry.coordinate }) ?? new GraphQLError(`${entry.coordinate} is refused`),
    });
  };

  return {
    current: () => current,
    generationOf: (schema) => bySchema.get(schema),
    async reload() {
      const next = await build();
      if (next.supergraphSdl === current.supergraphSdl) return { changed: false };
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

/** What pruning an operation depends on, computed once per document and operation. */
interface OperationPlan {
  readonly inlined: DocumentNode;
  /** The protected entries it may select: the caller's decision on each picks the pruned operation. */
  readonly entries: readonly PolicyEntry[];
  readonly pruned: Map<string, Pruned>;
  passedClaims(pruned: Pruned): readonly PassedRequirement[];
}

const PLANS = new WeakMap<GraphGeneration, WeakMap<DocumentNode, Map<string, OperationPlan>>>();
/** Pruned versions kept per operation, one per distinct set of decisions met. */
const MAX_PRUNED_PER_OPERATION = 64;

function planOf(generation: GraphGeneration, document: DocumentNode, operationName: string | null | undefined): OperationPlan {
  let byDocument = PLANS.get(generation);
  if (byDocument === undefined) PLANS.set(generation, (byDocument = new WeakMap()));
  let byName = byDocument.get(document);
  if (byName === undefined) byDocument.set(document, (byName = new Map()));
  const name = operationName ?? '';
  let plan = byName.get(name);
  if (plan !== undefined) return plan;
  const inlined = inlineOperation(generation.schema, generation.policy, document, operationName);
  const claims = new WeakMap<Pruned, readonly PassedRequirement[]>();
  plan = {
    inlined,
    entries: protectedEntries(generation.schema, generation.policy, inlined),
    pruned: new Map(),
    passedClaims(result) {
      let passed = claims.get(result);
      if (passed === undefined) claims.set(result, (passed = Object.freeze([...result.passed.values()].map((entry) => passedRequirement(entry.coordinate, entry.requirement)))));
      return passed;
    },
  };
  byName.set(name, plan);
  return plan;
}

/** A copy of the request's state for a decision that must not record anything (no challenge, no error). */
function scratch(state: StepUpState): StepUpState {
  return { ...state, unmet: [], insufficientScopes: [], record: undefined } as StepUpState;
}

/**
 * A subgraph that enforces step-up itself (with the forwarded identity) answers STEP_UP_REQUIRED with
 * the level and max age it asked: the caller's challenge covers it, as if the gateway had refused.
 */
function noteSubgraphChallenges(ladder: Ladder, state: StepUpState, errors: readonly GraphQLError[] | undefined): void {
  for (const error of errors ?? []) {
    const { code, requiredAcr, maxAge } = error.extensions as { code?: unknown; requiredAcr?: unknown; maxAge?: unknown };
    if (code !== 'STEP_UP_REQUIRED' && code !== 'UNAUTHENTICATED') continue;
    const requirement: { level?: string; maxAge?: number } = {};
    if (typeof requiredAcr === 'string' && ladder.byName.has(requiredAcr)) requirement.level = requiredAcr;
    if (typeof maxAge === 'number' && Number.isSafeInteger(maxAge) && maxAge >= 0) requirement.maxAge = maxAge;
    if (code === 'UNAUTHENTICATED' && state.caller.kind !== 'anonymous') continue;
    state.unmet.push(requirement as Requirement);
  }
}
