import { context as otelContext, propagation, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { GatewayMetrics } from '../ops/metrics.js';
import { ATTRIBUTES, SpanKind, tracer } from '../ops/trace.js';
import { IDENTITY_HEADER, type IdentityClaims, type IdentitySigner } from './identity.js';
import type { PolicyEntry } from '../graphql/policyTable.js';
import { sentRequest } from './sentRequest.js';
import type { SubgraphRequest } from './txnToken.js';
import { executorResponse, shapedAnswer } from './subgraphAnswer.js';
import { lowerCaseHeaders, postToSubgraph } from './subgraphHttp.js';
import type { SubgraphChallenge } from './subgraphChallenge.js';
import { SubgraphFetchError } from './upstream.js';

/** What the gateway's context holds for the subgraph requests of one execution. */
export const SUBGRAPH_CALL = Symbol('subgraphCall');
export interface SubgraphCall {
  readonly claims: IdentityClaims;
  /** The claims as the key of the signer's per-caller cache, made once per request rather than once per subgraph request. */
  readonly claimsKey: string;
  readonly now: number;
  readonly authorization: string | undefined;
  /** The request's `x-request-id`, forwarded so that the subgraph's logs name the same request. */
  readonly requestId: string | undefined;
  /** The challenges subgraphs answered with, noted as their answers are read (`subgraphChallenge.ts`). */
  readonly challenged: SubgraphChallenge[];
  /** Whether a subgraph answered an entity `null` without an error (the answer is then completed, `prune.ts` `reshape`). */
  missingEntity: boolean;
  /** Requests to subgraphs this execution may still make (`limits.maxSubgraphRequests`), counted down. */
  budget: { remaining: number };
  /** The protected entry a request selects or carries that the caller may not have (`egress.ts`), if any. */
  readonly egress: (request: SubgraphRequest) => PolicyEntry | undefined;
}

/** What every request to one subgraph is sent with: fixed when the generation is built. */
export interface SubgraphRoute {
  readonly name: string;
  readonly timeoutMs: number;
  /** Bytes its answer may have; beyond them the fetch fails as SUBGRAPH_BAD_RESPONSE. */
  readonly maxResponseBytes: number;
  readonly forwardAuthorization: boolean;
  readonly signer: IdentitySigner;
  readonly metrics: GatewayMetrics | undefined;
  /** Where what a subgraph said and the caller does not see is logged. */
  readonly warn: (message: string) => void;
}

export async function subgraphFetch(route: SubgraphRoute, url: string, init: RequestInit | undefined, context: unknown): Promise<Response> {
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

/** Whether a subgraph request (over HTTP or a subscription over WebSocket) may leave, and with which token. */
export type SubgraphAdmission =
  | { readonly kind: 'send'; readonly call: SubgraphCall; readonly token: string }
  | { readonly kind: 'failed'; readonly code: 'SUBGRAPH_UNAVAILABLE' | 'SUBGRAPH_REQUEST_LIMIT'; readonly message: string }
  /** The egress check refused it (a gateway bug, warned): answer as refused at the gateway. */
  | { readonly kind: 'refused' };

/**
 * The gate every subgraph request passes, in this order: inside an execution the gateway checked (fail
 * closed), within the operation's budget (`limits.maxSubgraphRequests`), a GraphQL request (`sentOf`, read
 * after the budget is taken), past the egress check (a protected field this caller may not have never
 * leaves, whatever the planner did), then a transaction token of its own, bound to this very request.
 */
export function admitSubgraphRequest(
  route: SubgraphRoute,
  context: unknown,
  what: 'request' | 'subscription',
  sentOf: () => SubgraphRequest | undefined,
): SubgraphAdmission {
  const { name } = route;
  const call = (context as { [SUBGRAPH_CALL]?: SubgraphCall } | undefined)?.[SUBGRAPH_CALL];
  if (call === undefined) return { kind: 'failed', code: 'SUBGRAPH_UNAVAILABLE', message: `a ${what} without the gateway context was not sent` };
  // Bounded fan-out: the request beyond the operation's budget is not sent; its part of the answer fails alone.
  if (call.budget.remaining <= 0) return { kind: 'failed', code: 'SUBGRAPH_REQUEST_LIMIT', message: 'the operation used up limits.maxSubgraphRequests' };
  call.budget.remaining -= 1;
  const sent = sentOf();
  if (sent === undefined) return { kind: 'failed', code: 'SUBGRAPH_UNAVAILABLE', message: `a ${what} whose body is not a GraphQL JSON object was not sent` };
  const refused = call.egress(sent);
  if (refused !== undefined) {
    route.warn(`gateway bug: a ${what} to subgraph "${name}" selected or carried ${refused.coordinate}, which this caller may not have; it was not sent`);
    return { kind: 'refused' };
  }
  return { kind: 'send', call, token: route.signer.sign(call.claims, name, call.now, sent, call.claimsKey) };
}

async function sendToSubgraph(route: SubgraphRoute, url: string, init: RequestInit | undefined, context: unknown, span: Span): Promise<Response> {
  const { name, timeoutMs, forwardAuthorization } = route;
  // Each subgraph request gets its own token, bound to the document and variables in this very body.
  const body = init?.body;
  const admitted = admitSubgraphRequest(route, context, 'request', () => sentRequest(body));
  if (admitted.kind === 'failed') throw new SubgraphFetchError(name, admitted.code, admitted.message);
  if (admitted.kind === 'refused') return refusedAnswer(name);
  const { call, token: identity } = admitted;
  const headers = lowerCaseHeaders(init?.headers);
  headers[IDENTITY_HEADER] = identity;
  if (forwardAuthorization && call.authorization !== undefined) headers['authorization'] = call.authorization;
  if (call.requestId !== undefined) headers['x-request-id'] = call.requestId;
  // W3C traceparent/tracestate: the subgraph's spans continue this one. The caller's W3C `baggage` is
  // dropped: it is whatever the caller chose to write, and a subgraph must not read it as the gateway's.
  propagation.inject(propagation.deleteBaggage(trace.setSpan(otelContext.active(), span)), headers);
  // The timeout alone bounds the request: the executor's own signal only ends with the gateway, whose
  // shutdown lets requests in flight finish anyway, and combining signals costs on every request. A timer
  // cleared once the answer is read costs a sixth of `AbortSignal.timeout` (about 0.8 µs against 4.8 µs).
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    // The body is read here, under the same timeout and within the size bound, and masked before the executor sees it.
    const answer = await postToSubgraph({ name, url, maxBytes: route.maxResponseBytes, signal: controller.signal, timeoutMs }, body as string, headers);
    return shapedAnswer(answer, {
      name,
      url,
      warn: route.warn,
      challenged: call.challenged,
      missingEntity: () => {
        call.missingEntity = true;
      },
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The answer of a subgraph request the egress check stopped: no data, and a step-up refusal that the gateway
 * rebuilds from its own policy table at the affected paths, as for a subgraph's own challenge.
 */
function refusedAnswer(name: string): Response {
  const body = { data: null, errors: [{ message: 'Refused at the gateway', extensions: { code: 'STEP_UP_REQUIRED', service: name } }] };
  return executorResponse(200, '', JSON.stringify(body));
}
