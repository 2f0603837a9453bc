import type { IncomingHttpHeaders } from 'node:http';
import { readBearerToken, type Credentials } from '../auth/bearer.js';
import type { Revocations } from '../auth/revocations.js';
import type { TokenVerifier } from '../auth/verifyToken.js';
import type { Caller } from '../graphql/context.js';
import type { ErrorCode } from '../graphql/errors.js';
import { bearerChallenge, invalidTokenChallenge } from '../stepup/challenge.js';

/** What is read of a request: its headers, and its raw headers where the server keeps them (Node does). */
export interface RequestHeaders {
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders?: readonly string[];
}

export type Authentication =
  | { readonly kind: 'caller'; readonly caller: Caller }
  | { readonly kind: 'refused'; readonly status: number; readonly code: ErrorCode; readonly message: string; readonly headers: Record<string, string> };

/**
 * The request's credentials → who is calling, or why the request is refused before any GraphQL work:
 * a malformed header (400 `invalid_request`), an invalid or logged-out token (401 `invalid_token`,
 * RFC 6750 §3.1), keys or state out of reach (503). One verification per request at most.
 */
export async function authenticate(
  req: RequestHeaders,
  search: string,
  verifier: TokenVerifier,
  revocations: Revocations,
  realm: string | undefined,
  onUnavailable: (reason: string) => void = () => undefined,
): Promise<Authentication> {
  const credentials = credentialsOf(req, search);
  if (credentials.kind === 'none') return { kind: 'caller', caller: { kind: 'anonymous' } };
  if (credentials.kind === 'malformed') {
    return refused(400, 'BAD_REQUEST', `The Authorization header is malformed: ${credentials.reason}`, {
      'www-authenticate': bearerChallenge({ realm, error: 'invalid_request', error_description: credentials.reason }),
    });
  }
  const outcome = await verifier.verify(credentials.token);
  switch (outcome.kind) {
    case 'anonymous':
      return { kind: 'caller', caller: outcome };
    case 'invalid':
      return invalid(outcome.reason, realm);
    case 'unavailable':
      // The caller learns only to retry; the operator learns why (the issuer's keys, its name, its network).
      onUnavailable(outcome.reason);
      return refused(503, 'AUTH_UNAVAILABLE', 'Access tokens cannot be checked right now; retry shortly', { 'retry-after': '5' });
    case 'principal': {
      let revoked: string | undefined;
      try {
        revoked = await revocations.reasonRevoked(outcome.principal);
      } catch {
        return refused(503, 'SERVICE_UNAVAILABLE', 'Logouts cannot be checked right now; retry shortly', { 'retry-after': '5' });
      }
      return revoked === undefined ? { kind: 'caller', caller: outcome } : invalid(revoked, realm);
    }
  }
}

/**
 * RFC 6750 §2: a client uses one method to send its token. Node keeps the first of two `Authorization`
 * headers and drops the second, so they are counted in the raw headers; a token in the URL (§2.3) is
 * refused even alone, because URLs are written to logs and histories, and silently ignoring it would
 * serve a caller who thinks they are signed in as anonymous.
 */
function credentialsOf(req: RequestHeaders, search: string): Credentials {
  let headers = 0;
  const raw = req.rawHeaders ?? [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'authorization') headers += 1;
  if (headers > 1) return { kind: 'malformed', reason: 'the request has more than one Authorization header' };
  if (search.length > 1 && new URLSearchParams(search).has('access_token')) {
    return { kind: 'malformed', reason: 'send the access token in the Authorization header only, never in the URL' };
  }
  return readBearerToken(req.headers.authorization);
}

function invalid(reason: string, realm: string | undefined): Authentication {
  return refused(401, 'UNAUTHENTICATED', `The access token is not valid: ${reason}`, { 'www-authenticate': invalidTokenChallenge(reason, realm) });
}

function refused(status: number, code: ErrorCode, message: string, headers: Record<string, string>): Authentication {
  return { kind: 'refused', status, code, message, headers };
}
