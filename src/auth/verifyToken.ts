import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { BoundedCache } from './boundedCache.js';
import type { Principal, TokenOutcome } from './principal.js';
import { DEFAULTS } from '../defaults.js';

/** Asymmetric JWS algorithms only: `none` and the HMAC family (`HS*`) are never accepted. */
export const ASYMMETRIC_ALGORITHMS = Object.freeze(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);

/** RFC 9068 §4: `at+jwt`; plain `JWT` is accepted too, as many providers issue it. Compared case-insensitively. */
const ACCEPTED_TYP = new Set(['at+jwt', 'application/at+jwt', 'jwt', 'application/jwt']);

export interface TokenVerifierOptions {
  /** Exact `iss` expected. */
  readonly issuer: string;
  /** Value that `aud` must contain. */
  readonly audience: string;
  /** Where signing keys come from: a remote JWKS found by discovery, or the dev issuer's own key. */
  readonly keys: JWTVerifyGetKey;
  /** Seconds of clock skew tolerated on `exp`, `nbf`, `iat` and `auth_time`. Default 60. */
  readonly clockTolerance?: number;
  /** Verified tokens kept, least recently used evicted first. Default 10 000; 0 turns the cache off. */
  readonly cacheSize?: number;
  /** Told of every cache lookup, hit or miss (for the metrics). */
  readonly onCacheLookup?: ((hit: boolean) => void) | undefined;
  /** The current time in seconds since the epoch. Default: the system clock. */
  readonly clock?: () => number;
  /** Longest token accepted, in characters; longer ones are refused before any parsing. Default 8192. */
  readonly maxTokenBytes?: number;
  /**
   * Seconds a token may live at most: `exp - iat` beyond it, or `exp` further away than it (plus
   * `clockTolerance`), is refused, because logouts are remembered only about that long. Default 86 400.
   */
  readonly maxTokenLifetime?: number;
}

/** The bounds on a token's times, in seconds; both are checked non-negative integers. */
export interface TokenTimeBounds {
  readonly clockTolerance: number;
  readonly maxTokenLifetime: number;
}

/** Thrown by a key source that cannot be reached, as opposed to a token that is wrong. */
export class KeySourceUnavailable extends Error {
  override readonly name = 'KeySourceUnavailable';
}

export interface TokenVerifier {
  /** Verifies a bearer token. Never throws: every failure is an outcome. */
  verify(token: string): Promise<TokenOutcome>;
  /**
   * The outcome for a token found in the cache, held to the time bounds at this instant, without waiting;
   * `undefined` when only `verify` can tell (not cached, expired, or a verifier without a cache). Never throws.
   * A token it knows is a compact JWS of base64url characters only (RFC 7515 §7.1).
   */
  peek?(token: string): TokenOutcome | undefined;
}

/** A verified token: the whole token, compared on every hit, and its outcome, made once. */
interface CachedToken {
  readonly token: string;
  readonly outcome: TokenOutcome & { kind: 'principal' };
}

/** Three base64url segments (RFC 7515 §7.1): only such a token is cached, so a cached token is a valid bearer token too. */
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * The cache key: the token's last 43 characters, 256 bits of its signature. A request carries its token in a
 * fresh string that V8 must hash before any map lookup, and a token is 600 characters or more: hashing its
 * end costs a tenth of hashing all of it. Two tokens with the same end only replace each other: a hit
 * compares the whole token.
 */
const cacheKeyOf = (token: string): string => (token.length > 43 ? token.slice(-43) : token);

const systemClock = (): number => Math.floor(Date.now() / 1000);

/**
 * Verifies RFC 9068 JWT access tokens with jose and caches each verified token until its `exp`,
 * because a signature check costs about as much as the rest of a GraphQL request.
 * Only valid tokens are cached: a refused token costs a check every time, and cannot evict good ones
 * faster than the bound allows.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { issuer, audience, keys } = options;
  const clock = options.clock ?? systemClock;
  const cache = new BoundedCache<string, CachedToken>(options.cacheSize ?? DEFAULTS.cacheEntries);
  const maxTokenBytes = options.maxTokenBytes ?? 8_192;
  const bounds = tokenTimeBounds(options);

  const checkedKeys: JWTVerifyGetKey = (header, token) => {
    const typ = header.typ;
    if (typeof typ !== 'string' || !ACCEPTED_TYP.has(typ.toLowerCase())) {
      throw new TokenRefusal('the token header typ must be at+jwt or JWT');
    }
    return keys(header, token);
  };

  async function verifyUncached(token: string, now: number): Promise<TokenOutcome> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, checkedKeys, {
        issuer,
        audience,
        algorithms: [...ASYMMETRIC_ALGORITHMS],
        requiredClaims: ['exp', 'sub'],
        clockTolerance: bounds.clockTolerance,
        currentDate: new Date(now * 1000),
      }));
    } catch (error) {
      if (error instanceof KeySourceUnavailable) return { kind: 'unavailable', reason: error.message };
      return { kind: 'invalid', reason: reasonFor(error) };
    }
    const principal = principalFromClaims(payload);
    if (typeof principal === 'string') return { kind: 'invalid', reason: principal };
    const outcome = checkTokenTimes(principal, now, bounds);
    if (outcome.kind === 'principal' && COMPACT_JWS.test(token)) {
      cache.set(cacheKeyOf(token), { token, outcome: Object.freeze(outcome) }, principal.expiresAt);
    }
    return outcome;
  }

  function peek(token: string): TokenOutcome | undefined {
    const now = clock();
    const cached = cache.get(cacheKeyOf(token), now);
    const hit = cached !== undefined && cached.token === token;
    options.onCacheLookup?.(hit);
    if (!hit) return undefined;
    // Checked again on every use: a clock set back must not revive a token these bounds refuse.
    const reason = timeRefusal(cached.outcome.principal, now, bounds);
    return reason === undefined ? cached.outcome : { kind: 'invalid', reason };
  }

  return {
    async verify(token) {
      if (token.length > maxTokenBytes) return { kind: 'invalid', reason: `the token is longer than ${maxTokenBytes} bytes` };
      return peek(token) ?? verifyUncached(token, clock());
    },
    peek,
  };
}

/** Resolves and checks the time bounds; throws a `TypeError` that names a bad option. */
export function tokenTimeBounds(options: { clockTolerance?: number | undefined; maxTokenLifetime?: number | undefined }): TokenTimeBounds {
  const bounds = {
    clockTolerance: options.clockTolerance ?? DEFAULTS.clockToleranceSeconds,
    maxTokenLifetime: options.maxTokenLifetime ?? DEFAULTS.maxTokenLifetimeSeconds,
  };
  for (const [name, value] of Object.entries(bounds)) {
    if (!(Number.isSafeInteger(value) && value >= 0)) throw new TypeError(`"${name}" must be a non-negative integer of seconds`);
  }
  return bounds;
}

/**
 * Holds a verified token's times to the bounds, for JWTs and introspection answers alike, on every use.
 * Revocations (OIDC Back-Channel Logout 1.0 §2.7) are kept for `maxTokenLifetime` plus twice
 * `clockTolerance` (see `revocations.ts`): a token that may live longer could be used again once its
 * logout is forgotten. RFC 9068 §2.2 makes `iat` the time of issue and OIDC Core §2 `auth_time` the
 * time of authentication: one from the future is a forgery or a broken clock.
 */
export function checkTokenTimes(principal: Principal, now: number, bounds: TokenTimeBounds): TokenOutcome {
  const reason = timeRefusal(principal, now, bounds);
  return reason === undefined ? { kind: 'principal', principal } : { kind: 'invalid', reason };
}

function timeRefusal(principal: Principal, now: number, bounds: TokenTimeBounds): string | undefined {
  const { clockTolerance, maxTokenLifetime } = bounds;
  const { expiresAt, issuedAt, authTime } = principal;
  if (expiresAt - now > maxTokenLifetime + clockTolerance) return 'the token expires too far in the future';
  if (issuedAt !== undefined && issuedAt > now + clockTolerance) return 'the token iat is in the future';
  // Both times come from the issuer's clock: no tolerance between them.
  if (issuedAt !== undefined && expiresAt - issuedAt > maxTokenLifetime) return 'the token lives longer than the gateway accepts';
  if (authTime !== undefined && authTime > now + clockTolerance) return 'the token auth_time is in the future';
  return undefined;
}

class TokenRefusal extends Error {
  override readonly name = 'TokenRefusal';
}

/** Turns verified claims into a principal, or says which claim has the wrong type. */
export function principalFromClaims(payload: JWTPayload): Principal | string {
  const { sub, acr, auth_time: authTime, exp, iss, iat, sid } = payload as JWTPayload & { sid?: unknown };
  const clientId = payload['client_id'] ?? payload['azp'];
  if (typeof sub !== 'string' || sub === '') return 'the token sub claim must be a non-empty string';
  if (acr !== undefined && typeof acr !== 'string') return 'the token acr claim must be a string';
  if (authTime !== undefined && !(typeof authTime === 'number' && Number.isFinite(authTime))) {
    return 'the token auth_time claim must be a number';
  }
  if (clientId !== undefined && typeof clientId !== 'string') return 'the token client_id claim must be a string';
  if (sid !== undefined && typeof sid !== 'string') return 'the token sid claim must be a string';
  if (iat !== undefined && !(typeof iat === 'number' && Number.isFinite(iat))) return 'the token iat claim must be a number';
  return Object.freeze({
    subject: sub,
    acr: acr as string | undefined,
    authTime: authTime as number | undefined,
    clientId: clientId as string | undefined,
    expiresAt: exp!,
    issuer: iss,
    sessionId: sid as string | undefined,
    issuedAt: iat,
    claims: Object.freeze(payload),
  });
}

/**
 * A stable reason for a refused token that never repeats the token or its claims' values, and has
 * no double quote, so that it reads the same in the error message and in `error_description`.
 */
function reasonFor(error: unknown): string {
  if (error instanceof TokenRefusal) return error.message;
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
        return 'the token was issued by another issuer';
      case 'aud':
        return 'the token is not meant for this audience';
      case 'nbf':
        return 'the token is not valid yet';
      default:
        return error.reason === 'missing' ? `the token has no ${error.claim} claim` : `the token ${error.claim} claim is not acceptable`;
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm that is not accepted';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'the token is signed with a key the issuer does not publish';
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'the token does not say which of the issuer keys signed it';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'the token is malformed';
  return 'the token is not valid';
}
