import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type { Revocations } from '../auth/revocations.js';
import type { TokenVerifier } from '../auth/verifyToken.js';
import type { GraphRequest } from '../gateway/graph.js';
import type { Principal } from '../auth/principal.js';
import { createStepUpState, gatewayContext, type RequestRecord, type StepUpContext } from '../graphql/context.js';
import type { ErrorCode } from '../graphql/errors.js';
import { reportRefusal, reportRequest, requestIdOf, type Ops } from '../ops/audit.js';
import type { Ladder } from '../stepup/ladder.js';
import type { Span } from '@opentelemetry/api';
import { ATTRIBUTES, incomingContext, SpanKind, tracer } from '../ops/trace.js';
import type { OnceLedger } from '../graphql/once.js';
import { resolvePersisted, type TrustedDocumentsPolicy } from '../persisted/trustedDocuments.js';
import { authenticate } from '../auth/authenticate.js';
import { graphQLRequestOf, readBody, sendErrors, sendGraphQLResponse } from './respond.js';

export interface GraphQLEndpointOptions {
  readonly apollo: ApolloServer<StepUpContext>;
  readonly verifier: TokenVerifier;
  readonly revocations: Revocations;
  readonly trusted: TrustedDocumentsPolicy;
  readonly ledger: OnceLedger;
  /** The graph's own part of each request's context. */
  readonly createContext: ((request: GraphRequest) => object) | undefined;
  readonly clock: () => number;
  readonly realm: string;
  readonly maxBodyBytes: number;
  readonly canReauthenticateClaim: string;
  /** Where operators learn why tokens cannot be checked (at most one line per 30 s). */
  readonly warn: (message: string) => void;
  /** The audit trail and the metrics. */
  readonly ops: Ops;
  /** For the caller's effective level in audit events. */
  readonly ladder: Ladder;
}

/**
 * `/graphql`: body (bounded) → credentials (verified once, revocations checked) → trusted documents
 * (before any parsing) → Apollo Server with the request's step-up state, principal and the graph's own context.
 */
export function createGraphQLEndpoint(options: GraphQLEndpointOptions): (req: IncomingMessage, res: ServerResponse, search: string) => Promise<void> {
  const { apollo, trusted, clock } = options;
  const unavailable = rateLimited(30_000, (reason: string) => options.warn(`access tokens cannot be checked (answered 503): ${reason}`));
  const { ops, ladder } = options;
  // Each request in a server span whose parent is the caller's `traceparent`: a no-op without an OpenTelemetry SDK.
  return (req, res, search) =>
    tracer.startActiveSpan('POST /graphql', { kind: SpanKind.SERVER }, incomingContext(req.headers), (span) =>
      handle(req, res, search, span).finally(() => {
        span.setAttribute('http.response.status_code', res.statusCode);
        span.end();
      }),
    );

  async function handle(req: IncomingMessage, res: ServerResponse, search: string, span: Span): Promise<void> {
    const started = performance.now();
    // Accepted from the caller when it is a plain one, returned, logged and forwarded to subgraphs.
    const record: RequestRecord = { requestId: requestIdOf(req.headers['x-request-id']), decisions: [] };
    res.setHeader('x-request-id', record.requestId);
    span.setAttribute(ATTRIBUTES.requestId, record.requestId);
    const refused = (
      status: number,
      code: ErrorCode,
      message: string,
      headers: Readonly<Record<string, string>>,
      event: 'token.refused' | 'persisted.refused' | undefined,
      principal?: Principal,
    ) => {
      sendErrors(res, status, code, message, headers);
      if (event !== undefined)
        reportRefusal(
          ops,
          event,
          { requestId: record.requestId, status, code, reason: message, client_id: principal?.clientId, sub: principal?.subject },
          message,
        );
      reportRequest(ops, record, { principal, ladder, now: clock() }, { status, durationMs: performance.now() - started });
    };
    const body = await readBody(req, options.maxBodyBytes);
    if (body.kind === 'refused') return refused(body.status, 'BAD_REQUEST', body.message, body.headers, undefined);

    // At once for a cached token with revocations in this process; awaited otherwise.
    const verifying = tracer.startSpan('step-up.verify_token');
    let authentication = authenticate(req, search, options.verifier, options.revocations, options.realm, unavailable);
    if (authentication instanceof Promise) authentication = await authentication;
    verifying.setAttribute(ATTRIBUTES.outcome, authentication.kind === 'refused' ? authentication.code : authentication.caller.kind);
    verifying.end();
    if (authentication.kind === 'refused') {
      ops.metrics?.tokenVerifications.inc({ outcome: authentication.status === 503 ? 'unavailable' : 'invalid' });
      return refused(
        authentication.status,
        authentication.code,
        authentication.message,
        authentication.headers,
        authentication.status === 400 ? undefined : 'token.refused',
      );
    }
    const { caller } = authentication;
    const principal = caller.kind === 'principal' ? caller.principal : undefined;
    if (principal !== undefined) ops.metrics?.tokenVerifications.inc({ outcome: 'valid' });

    const method = req.method === 'POST' ? 'POST' : (req.method ?? 'GET').toUpperCase();
    const resolved = resolvePersisted(trusted, { method, body: body.value, search }, principal?.clientId);
    if (resolved.kind === 'refused') return refused(resolved.status, resolved.code, resolved.message, {}, 'persisted.refused', principal);

    const stepUp = createStepUpState(caller, clock(), {
      wholeOperation: resolved.persisted !== undefined,
      ledger: options.ledger,
      canReauthenticateClaim: options.canReauthenticateClaim,
      record,
    });
    const context = gatewayContext(options.createContext, principal, stepUp, req.headers.authorization);
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: graphQLRequestOf(req, method, resolved.search, resolved.body),
      // A bound `Promise.resolve` rather than an arrow: no closure, no async frame per request.
      context: Promise.resolve.bind(Promise, context) as () => Promise<StepUpContext>,
    });
    const streamed = sendGraphQLResponse(res, response);
    if (streamed !== undefined) await streamed;
    const status = response.status ?? 200;
    if (status === 400 && response.body.kind === 'complete') reportLimits(ops, record, response.body.string, principal);
    reportRequest(ops, record, { principal, ladder, now: stepUp.now }, { status, durationMs: performance.now() - started });
  }
}

/** A document refused for a limit (depth, aliases, selections, tokens): one audit event per limit. */
function reportLimits(ops: Ops, record: RequestRecord, body: string, principal: Principal | undefined): void {
  if (!body.includes('"limit"')) return;
  let errors: Array<{ message?: string; extensions?: { limit?: unknown } }> = [];
  try {
    errors = (JSON.parse(body) as { errors?: typeof errors }).errors ?? [];
  } catch {
    return;
  }
  for (const error of errors) {
    if (typeof error.extensions?.limit !== 'string') continue;
    reportRefusal(
      ops,
      'limit.refused',
      { requestId: record.requestId, limit: error.extensions.limit, client_id: principal?.clientId, sub: principal?.subject },
      error.message ?? 'a limit was exceeded',
    );
  }
}

/** `log`, called at most once per `intervalMs`: an outage is reported, not repeated for every request. */
function rateLimited<T>(intervalMs: number, log: (value: T) => void): (value: T) => void {
  let last = -Infinity;
  return (value) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    log(value);
  };
}
