import type { IncomingHttpHeaders } from 'node:http';
import { readBearerToken } from './bearer.js';
import type { Caller, TokenOutcome } from './principal.js';
import type { Revocations } from './revocations.js';
import type { TokenVerifier } from './verifyToken.js';
import type { ErrorCode } from '../graphql/errors.js';
import { bearerChallenge, invalidTokenChallenge } from '../stepup/challenge.js';

/** What is read of a request: its headers, and its raw headers where the server keeps them (Node does). */
export interface RequestHeaders {
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders?: readonly string[];
}

/** Whether a request is admitted, and as whom: a caller (anonymous or a principal), or refused with its status and challenge. */
export type Admission =
  | { readonly kind: 'caller'; readonly caller: Caller }
  | { readonly kind: 'refused'; readonly status: number; readonly code: ErrorCode; readonly message: string; readonly headers: Record<string, string> };

/** An anonymous caller: the same answer for every request without credentials. */
const ANONYMOUS: Admission = Object.freeze({ kind: 'caller', caller: Object.freeze({ kind: 'anonymous' }) });

/**
 * The request's credentials → who is calling, or why the request is refused before any GraphQL work:
 * a malformed header (400 `invalid_request`), an invalid or logged-out token (401 `invalid_token`,
 * RFC 6750 §3.1), keys or state out of reach (503). One verification per request at most.
 *
 * Answers at once when nothing needs waiting for (no credentials, a malformed header, a token the verifier
 * has cached with revocations kept in this process), and with a promise otherwise.
 */
export function authenticate(
  req: RequestHeaders,
  search: string,
  verifier: TokenVerifier,
  revocations: Revocations,
  realm: string | undefined,
  onUnavailable: (reason: string) => void = () => undefined,
): Admission | Promise<Admission> {
  const authorization = req.headers.authorization;
  const misuse = misuseOf(req, authorization, search);
  if (misuse !== undefined) return malformed(misuse, realm);
  // A token the verifier has cached was read by `readBearerToken` before, and is base64url only: a header of
  // exactly `Bearer ` and that token reads back as it, so the regex is skipped. Any other header misses.
  const cached = verifier.peek !== undefined && authorization?.startsWith('Bearer ') === true ? verifier.peek(authorization.slice(7)) : undefined;
  if (cached !== undefined) return judge(cached, revocations, realm, onUnavailable);
  const credentials = readBearerToken(authorization);
  if (credentials.kind === 'none') return ANONYMOUS;
  if (credentials.kind === 'malformed') return malformed(credentials.reason, realm);
  return verifier.verify(credentials.token).then((outcome) => judge(outcome, revocations, realm, onUnavailable));
}

function judge(
  outcome: TokenOutcome,
  revocations: Revocations,
  realm: string | undefined,
  onUnavailable: (reason: string) => void,
): Admission | Promise<Admission> {
  switch (outcome.kind) {
    case 'anonymous':
      return { kind: 'caller', caller: outcome };
    case 'invalid':
      return invalid(outcome.reason, realm);
    case 'unavailable':
      // The caller learns only to retry; the operator learns why (the issuer's keys, its name, its network).
      onUnavailable(outcome.reason);
      return refused(503, 'AUTH_UNAVAILABLE', 'Access tokens cannot be checked right now; retry shortly', { 'retry-after': '5' });
    case 'principal':
      if (revocations.reasonRevokedNow === undefined) return checkRevocations(outcome, revocations, realm);
      try {
        return admit(outcome, revocations.reasonRevokedNow(outcome.principal), realm);
      } catch {
        return stateUnavailable();
      }
  }
}

/** Revocations kept elsewhere (Redis): awaited, and a store out of reach refuses the request (fail closed). */
async function checkRevocations(caller: Caller & { kind: 'principal' }, revocations: Revocations, realm: string | undefined): Promise<Admission> {
  let revoked: string | undefined;
  try {
    revoked = await revocations.reasonRevoked(caller.principal);
  } catch {
    return stateUnavailable();
  }
  return admit(caller, revoked, realm);
}

function admit(caller: Caller & { kind: 'principal' }, revoked: string | undefined, realm: string | undefined): Admission {
  return revoked === undefined ? { kind: 'caller', caller } : invalid(revoked, realm);
}

/**
 * RFC 6750 §2: a client uses one method to send its token. Node keeps the first of two `Authorization`
 * headers and drops the second, so they are counted in the raw headers (only when there is one: Node sets
 * `headers.authorization` from the first); a token in the URL (§2.3) is refused even alone, because URLs
 * are written to logs and histories, and silently ignoring it would serve a caller who thinks they are
 * signed in as anonymous.
 */
function misuseOf(req: RequestHeaders, authorization: string | undefined, search: string): string | undefined {
  if (authorization !== undefined && authorizationHeaders(req.rawHeaders) > 1) return 'the request has more than one Authorization header';
  if (search.length > 1 && new URLSearchParams(search).has('access_token')) {
    return 'send the access token in the Authorization header only, never in the URL';
  }
  return undefined;
}

function authorizationHeaders(raw: readonly string[] | undefined): number {
  let count = 0;
  if (raw === undefined) return count;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') count += 1;
  }
  return count;
}

function malformed(reason: string, realm: string | undefined): Admission {
  return refused(400, 'BAD_REQUEST', `The Authorization header is malformed: ${reason}`, {
    'www-authenticate': bearerChallenge({ realm, error: 'invalid_request', error_description: reason }),
  });
}

function stateUnavailable(): Admission {
  return refused(503, 'SERVICE_UNAVAILABLE', 'Logouts cannot be checked right now; retry shortly', { 'retry-after': '5' });
}

function invalid(reason: string, realm: string | undefined): Admission {
  return refused(401, 'UNAUTHENTICATED', `The access token is not valid: ${reason}`, { 'www-authenticate': invalidTokenChallenge(reason, realm) });
}

function refused(status: number, code: ErrorCode, message: string, headers: Record<string, string>): Admission {
  return { kind: 'refused', status, code, message, headers };
}
