/**
 * Bearer token → principal, as the product does it (src/auth/verifyToken.ts, bearer.ts, boundedCache.ts):
 * jose jwtVerify against a local JWKS (createLocalJWKSet, no network), issuer/audience/asymmetric algs,
 * typ at+jwt|JWT, required exp+sub, 60 s clock tolerance, future auth_time refused, and each verified
 * token cached (LRU Map, 10 000 entries) until its exp.
 */
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { GraphQLError } from 'graphql';
import { AUDIENCE, ISSUER, localKeySet } from './keys.js';
import type { Principal } from './guthib.js';

const ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
const ACCEPTED_TYP = new Set(['at+jwt', 'application/at+jwt', 'jwt', 'application/jwt']);
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const CLOCK_TOLERANCE = 60;

/** src/auth/boundedCache.ts: LRU Map with a per-entry expiry. */
class BoundedCache<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();
  constructor(readonly maxEntries: number) {}
  get(key: K, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }
  set(key: K, value: V, expiresAt: number): void {
    if (this.maxEntries === 0) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as K);
    this.#entries.set(key, { value, expiresAt });
  }
}

export type Outcome =
  { kind: 'anonymous' } | { kind: 'principal'; principal: Principal } | { kind: 'invalid'; reason: string } | { kind: 'malformed'; reason: string };

export interface Verifier {
  /** Reads `Authorization` and verifies the bearer token; never throws. */
  fromHeader(authorization: string | null | undefined): Promise<Outcome>;
  /**
   * Same, as a principal or null, throwing a GraphQLError (HTTP 401/400) for a bad token.
   * `headers`: Apollo wants `extensions.http.headers` as a Map, Yoga as a plain object.
   */
  principalOrThrow(authorization: string | null | undefined, headers: 'map' | 'object'): Promise<Principal | null>;
}

export function createVerifier(options: { keys?: JWTVerifyGetKey; cacheSize?: number } = {}): Verifier {
  const keys = options.keys ?? localKeySet();
  const cache = new BoundedCache<string, Principal>(options.cacheSize ?? 10_000);
  const checkedKeys: JWTVerifyGetKey = (header, token) => {
    if (typeof header.typ !== 'string' || !ACCEPTED_TYP.has(header.typ.toLowerCase())) {
      throw new Error('the token header typ must be at+jwt or JWT');
    }
    return keys(header, token);
  };

  async function verify(token: string): Promise<Outcome> {
    const now = Math.floor(Date.now() / 1000);
    const cached = cache.get(token, now);
    if (cached !== undefined) return { kind: 'principal', principal: cached };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, checkedKeys, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ALGS,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: CLOCK_TOLERANCE,
        currentDate: new Date(now * 1000),
      }));
    } catch (error) {
      return { kind: 'invalid', reason: error instanceof errors.JWTExpired ? 'the token has expired' : 'the token is not valid' };
    }
    const { sub, acr, auth_time: authTime, exp } = payload;
    const clientId = payload['client_id'] ?? payload['azp'];
    if (typeof sub !== 'string' || sub === '') return { kind: 'invalid', reason: 'the token sub claim must be a non-empty string' };
    if (acr !== undefined && typeof acr !== 'string') return { kind: 'invalid', reason: 'the token acr claim must be a string' };
    if (authTime !== undefined && !(typeof authTime === 'number' && Number.isFinite(authTime))) {
      return { kind: 'invalid', reason: 'the token auth_time claim must be a number' };
    }
    if (typeof authTime === 'number' && authTime > now + CLOCK_TOLERANCE) return { kind: 'invalid', reason: 'the token auth_time is in the future' };
    const principal: Principal = Object.freeze({
      subject: sub,
      acr: acr as string | undefined,
      authTime: authTime as number | undefined,
      clientId: clientId as string | undefined,
      expiresAt: exp!,
      claims: Object.freeze(payload),
    });
    cache.set(token, principal, principal.expiresAt);
    return { kind: 'principal', principal };
  }

  async function fromHeader(authorization: string | null | undefined): Promise<Outcome> {
    if (authorization == null || authorization === '') return { kind: 'anonymous' };
    const match = BEARER.exec(authorization);
    if (match === null) return { kind: 'malformed', reason: 'the Authorization header must be Bearer <token>' };
    return verify(match[1]!);
  }

  return {
    fromHeader,
    async principalOrThrow(authorization, headers) {
      const outcome = await fromHeader(authorization);
      // Yoga and Apollo both augment GraphQLErrorExtensions['http'] with different header types: hence `any`.
      const h = (value: string): any => (headers === 'map' ? new Map([['www-authenticate', value]]) : { 'www-authenticate': value });
      switch (outcome.kind) {
        case 'anonymous':
          return null;
        case 'principal':
          return outcome.principal;
        case 'malformed':
          throw new GraphQLError(outcome.reason, {
            extensions: { code: 'BAD_REQUEST', http: { status: 400, headers: h('Bearer realm="guthib", error="invalid_request"') } },
          });
        case 'invalid':
          throw new GraphQLError(outcome.reason, {
            extensions: {
              code: 'UNAUTHENTICATED',
              http: { status: 401, headers: h(`Bearer realm="guthib", error="invalid_token", error_description="${outcome.reason}"`) },
            },
          });
      }
    },
  };
}
