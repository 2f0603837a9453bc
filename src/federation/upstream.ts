import type { GraphQLFormattedError } from 'graphql';
import type { ErrorCode } from '../graphql/errors.js';

/** Why a subgraph could not answer; each is a stable `extensions.code` for the caller, one of the closed `ErrorCode` union. */
export type SubgraphFault = Extract<ErrorCode, 'SUBGRAPH_UNAVAILABLE' | 'SUBGRAPH_TIMEOUT' | 'SUBGRAPH_BAD_RESPONSE' | 'SUBGRAPH_REQUEST_LIMIT'>;

/** A subgraph request that failed below GraphQL: carried through the executor's errors to the gateway's `formatError`. */
export class SubgraphFetchError extends Error {
  readonly subgraph: string;
  readonly fault: SubgraphFault;
  constructor(subgraph: string, fault: SubgraphFault, detail: string) {
    super(`subgraph "${subgraph}": ${detail}`);
    this.name = 'SubgraphFetchError';
    this.subgraph = subgraph;
    this.fault = fault;
  }
}

const MESSAGES: Record<SubgraphFault, string> = {
  SUBGRAPH_UNAVAILABLE: 'A service this answer needs cannot be reached',
  SUBGRAPH_TIMEOUT: 'A service this answer needs did not answer in time',
  SUBGRAPH_BAD_RESPONSE: 'A service this answer needs answered with something that is not GraphQL',
  SUBGRAPH_REQUEST_LIMIT: 'This operation needs more requests to the services behind the gateway than it may make (limits.maxSubgraphRequests)',
};

/** What the executor reports for transport failures it saw itself (no response, or one it could not read). */
const EXECUTOR_TRANSPORT_CODES = new Set(['SUBREQUEST_HTTP_ERROR', 'RESPONSE_VALIDATION_FAILED', 'DOWNSTREAM_SERVICE_ERROR']);

/** Extensions that may carry an upstream's request, response, addresses or stack: never sent to the caller. */
const UPSTREAM_DETAIL = ['stacktrace', 'exception', 'request', 'response', 'http', 'serviceName'];

function faultOf(error: unknown): SubgraphFetchError | undefined {
  for (let cause = error, depth = 0; cause !== undefined && cause !== null && depth < 8; depth++) {
    if (cause instanceof SubgraphFetchError) return cause;
    cause = (cause as { originalError?: unknown; cause?: unknown }).originalError ?? (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The caller's view of an error from a federated execution: a subgraph's transport fault becomes a
 * stable code and a message that names no host, request or response (the log gets those). A subgraph's
 * own GraphQL error (masked where it was read, `subgraphAnswer.ts`, which names its `service`) passes the
 * allow-list again here: `message`, `path`, `locations`, `extensions.code` and `extensions.service` only.
 * The gateway's own errors pass unchanged, less upstream details.
 */
export function formatUpstreamError(formatted: GraphQLFormattedError, error: unknown, log: (message: string) => void): GraphQLFormattedError {
  const fault = faultOf(error);
  const code = formatted.extensions?.['code'];
  if (fault !== undefined || (typeof code === 'string' && EXECUTOR_TRANSPORT_CODES.has(code))) {
    const kind = fault?.fault ?? 'SUBGRAPH_BAD_RESPONSE';
    log(`${fault?.message ?? `subgraph request failed: ${formatted.message}`}${formatted.path === undefined ? '' : ` (at ${formatted.path.join('.')})`}`);
    return {
      message: MESSAGES[kind],
      ...(formatted.locations === undefined ? {} : { locations: formatted.locations }),
      ...(formatted.path === undefined ? {} : { path: formatted.path }),
      extensions: { code: kind, ...(fault === undefined ? {} : { service: fault.subgraph }) },
    };
  }
  const service = formatted.extensions?.['service'];
  if (typeof service === 'string') {
    return {
      message: formatted.message,
      ...(formatted.locations === undefined ? {} : { locations: formatted.locations }),
      ...(formatted.path === undefined ? {} : { path: formatted.path }),
      extensions: { code, service },
    };
  }
  if (formatted.extensions === undefined || !UPSTREAM_DETAIL.some((key) => key in formatted.extensions!)) return formatted;
  const extensions = { ...formatted.extensions };
  for (const key of UPSTREAM_DETAIL) delete extensions[key];
  return { ...formatted, extensions };
}
