import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type { Revocations } from '../auth/revocations.js';
import type { TokenVerifier } from '../auth/verifyToken.js';
import type { GraphRequest } from '../gateway/graph.js';
import { CALLER_AUTHORIZATION, createStepUpState, type StepUpContext } from '../graphql/context.js';
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

    const authentication = await authenticate(req, search, options.verifier, options.revocations, options.realm, unavailable);
    if (authentication.kind === 'refused') {
      return sendErrors(res, authentication.status, authentication.code, authentication.message, authentication.headers);
    }
    const { caller } = authentication;
    const principal = caller.kind === 'principal' ? caller.principal : undefined;

    const method = (req.method ?? 'GET').toUpperCase();
    const resolved = resolvePersisted(trusted, { method, body: body.value, search }, principal?.clientId);
    if (resolved.kind === 'refused') return sendErrors(res, resolved.status, resolved.code, resolved.message);

    const stepUp = createStepUpState(caller, clock(), {
      wholeOperation: resolved.persisted !== undefined,
      ledger: options.ledger,
      canReauthenticateClaim: options.canReauthenticateClaim,
    });
    const context: StepUpContext = { ...options.createContext?.({ principal, stepUp }), stepUp, principal };
    // For subgraphs configured to receive the caller's own header; never logged, never in a response.
    if (req.headers.authorization !== undefined) Object.defineProperty(context, CALLER_AUTHORIZATION, { value: req.headers.authorization, enumerable: true });
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: graphQLRequestOf(req, method, resolved.search, resolved.body),
      context: async () => context,
    });
    await sendGraphQLResponse(res, response);
  };
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
