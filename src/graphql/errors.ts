import type { HeaderMap } from '@apollo/server';
import { GraphQLError, type ASTNode } from 'graphql';

/**
 * Every `extensions.code` the gateway answers with. Clients branch on these; they never change meaning.
 * Apollo Server's own codes (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, BAD_REQUEST, …) may appear too.
 */
export type ErrorCode =
  /** No token was presented and the field needs one; or the token presented is not valid (HTTP 401). */
  | 'UNAUTHENTICATED'
  /** The token is valid but its authentication is too weak or too old (RFC 9470). */
  | 'STEP_UP_REQUIRED'
  /** The user cannot step up (no second factor enrolled) and the requirement refuses them (HTTP 403). */
  | 'STEP_UP_IMPOSSIBLE'
  /**
   * A mutation whose step-up is bound to its arguments, and the token carries no unused approval of this call
   * (HTTP 401, `insufficient_authorization`): `extensions.authorizationDetails` is what to ask the provider for.
   */
  | 'APPROVAL_REQUIRED'
  /**
   * Authenticated strongly enough, but not allowed: not the owner, not the user; or the token lacks a scope
   * the field asks (`@requiresScopes`; `extensions.scopes` holds the unmet condition, RFC 6750 §3.1 `insufficient_scope`).
   */
  | 'FORBIDDEN'
  /** The object an argument names does not exist. */
  | 'NOT_FOUND'
  /** An argument or variable has a value the operation cannot use. */
  | 'BAD_USER_INPUT'
  /** The request itself is malformed (body, headers). */
  | 'BAD_REQUEST'
  /** Tokens cannot be checked right now: the issuer's keys are out of reach (HTTP 503). */
  | 'AUTH_UNAVAILABLE'
  /** State the request needs (revocations, one-time step-ups) is out of reach: refused, never passed (HTTP 503). */
  | 'SERVICE_UNAVAILABLE'
  /** This client may run operations from the trusted-documents manifest only. */
  | 'PERSISTED_QUERY_REQUIRED'
  /** No persisted operation has the id the request names. */
  | 'PERSISTED_QUERY_NOT_FOUND'
  /** Nothing is served at that path. */
  | 'NOT_FOUND_PATH'
  /** Federated: a subgraph cannot be reached, or its answer was cut mid-body (`extensions.service` names it). */
  | 'SUBGRAPH_UNAVAILABLE'
  /** Federated: a subgraph did not finish its answer within its `timeoutMs`. */
  | 'SUBGRAPH_TIMEOUT'
  /** Federated: a subgraph answered something that is not a GraphQL answer, or more than its `maxResponseBytes`. */
  | 'SUBGRAPH_BAD_RESPONSE'
  /** Federated: the operation needed more subgraph requests than `limits.maxSubgraphRequests`; the rest were not sent. */
  | 'SUBGRAPH_REQUEST_LIMIT'
  /** Federated: a subgraph's own error the gateway does not relay (INTERNAL_SERVER_ERROR, no code, a code of its own); its text goes to the log. */
  | 'SUBGRAPH_ERROR'
  /** A subscription whose client fell `subscriptions.maxQueuedEvents` results behind was ended; it may subscribe again. */
  | 'SUBSCRIPTION_BACKLOG'
  /** A fault of the gateway's, never the caller's; details go to the log only. */
  | 'INTERNAL_SERVER_ERROR';

export interface GatewayErrorOptions {
  readonly extensions?: Readonly<Record<string, unknown>>;
  readonly path?: ReadonlyArray<string | number>;
  readonly nodes?: ASTNode | ReadonlyArray<ASTNode>;
  /** HTTP status (and headers) Apollo Server should answer with when this error ends the request. */
  readonly http?: { readonly status: number; readonly headers?: HeaderMap };
}

/** The one way the gateway makes an error: the code always lands in `extensions.code`. */
export function gatewayError(code: ErrorCode, message: string, options: GatewayErrorOptions = {}): GraphQLError {
  const extensions: Record<string, unknown> = { code, ...options.extensions };
  if (options.http !== undefined) extensions['http'] = options.http;
  return new GraphQLError(message, { extensions, path: options.path, nodes: options.nodes });
}
