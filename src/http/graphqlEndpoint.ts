import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type { Revocations } from '../auth/revocations.js';
import type { TokenVerifier } from '../auth/verifyToken.js';
import type { GraphRequest } from '../gateway/graph.js';
import type { Principal } from '../auth/principal.js';
import { CALLER_AUTHORIZATION, createStepUpState, type StepUpContext, type StepUpState } from '../graphql/context.js';
import type { OnceLedger } from '../graphql/once.js';
import { resolvePersisted, type TrustedDocumentsPolicy } from '../persisted/trustedDocuments.js';
import { authenticate } from './authenticate.js';
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
}

/**
 * `/graphql`: body (bounded) → credentials (verified once, revocations checked) → trusted documents
 * (before any parsing) → Apollo Server with the request's step-up state, principal and the graph's own context.
 */
export function createGraphQLEndpoint(options: GraphQLEndpointOptions): (req: IncomingMessage, res: ServerResponse, search: string) => Promise<void> {
  const { apollo, trusted, clock } = options;
  const unavailable = rateLimited(30_000, (reason: string) => options.warn(`access tokens cannot be checked (answered 503): ${reason}`));
  return async (req, res, search) => {
    const body = await readBody(req, options.maxBodyBytes);
    if (body.kind === 'refused') return sendErrors(res, body.status, 'BAD_REQUEST', body.message, body.headers);

    // At once for a cached token with revocations in this process; awaited otherwise.
    let authentication = authenticate(req, search, options.verifier, options.revocations, options.realm, unavailable);
    if (authentication instanceof Promise) authentication = await authentication;
    if (authentication.kind === 'refused') {
      return sendErrors(res, authentication.status, authentication.code, authentication.message, authentication.headers);
    }
    const { caller } = authentication;
    const principal = caller.kind === 'principal' ? caller.principal : undefined;

    const method = req.method === 'POST' ? 'POST' : (req.method ?? 'GET').toUpperCase();
    const resolved = resolvePersisted(trusted, { method, body: body.value, search }, principal?.clientId);
    if (resolved.kind === 'refused') return sendErrors(res, resolved.status, resolved.code, resolved.message);

    const stepUp = createStepUpState(caller, clock(), {
      wholeOperation: resolved.persisted !== undefined,
      ledger: options.ledger,
      canReauthenticateClaim: options.canReauthenticateClaim,
    });
    // The graph's own context, copied, then the gateway's part. Not `{ ...own, stepUp, principal }`: on Node 20
    // a spread followed by more properties builds a new hidden class for every request (2 µs, bench/PROFILE.md).
    const context = Object.assign({}, options.createContext?.({ principal, stepUp })) as GatewayContext;
    context.stepUp = stepUp;
    context.principal = principal;
    // For subgraphs configured to receive the caller's own header; never logged, never in a response.
    const authorization = req.headers.authorization;
    if (authorization !== undefined) context[CALLER_AUTHORIZATION] = authorization;
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: graphQLRequestOf(req, method, resolved.search, resolved.body),
      // A bound `Promise.resolve` rather than an arrow: no closure, no async frame per request.
      context: Promise.resolve.bind(Promise, context) as () => Promise<StepUpContext>,
    });
    const streamed = sendGraphQLResponse(res, response);
    if (streamed !== undefined) await streamed;
  };
}

/** A request's context as the endpoint builds it, property by property. */
interface GatewayContext {
  stepUp: StepUpState;
  principal: Principal | undefined;
  [CALLER_AUTHORIZATION]?: string;
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
