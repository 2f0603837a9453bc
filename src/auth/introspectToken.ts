import type { JWTPayload } from 'jose';
import { BoundedCache } from './boundedCache.js';
import { discoveryUrl } from './discoverKeys.js';
import type { Principal, TokenOutcome } from './principal.js';
import { checkTokenTimes, principalFromClaims, tokenTimeBounds, type TokenVerifier } from './verifyToken.js';
import { DEFAULTS } from '../defaults.js';

export interface IntrospectionOptions {
  /** Told of every introspection request, and whether it was answered (for the metrics). */
  readonly onRequest?: ((ok: boolean) => void) | undefined;
  readonly issuer: string;
  readonly audience: string;
  /** The gateway's confidential client at the provider (client_secret_basic). */
  readonly clientId: string;
  readonly clientSecret: string;
  /** Seconds an answer is reused; never beyond the token's `exp`. Default 30. */
  readonly cacheSeconds?: number;
  readonly cacheSize?: number;
  readonly timeoutMs?: number;
  readonly clock?: () => number;
  /**
   * `client_id` values whose answers are accepted without `aud`: RFC 7662 §2.2 makes `aud` optional, and
   * some providers leave it out. An answer with `aud` must still contain `audience`. Default none.
   */
  readonly clientIdsWithoutAudience?: readonly string[];
  /** Seconds of clock skew tolerated on `iat` and `auth_time`, as for JWTs. Default 60. */
  readonly clockTolerance?: number;
  /** Seconds a token may live at most, as for JWTs (see `TokenVerifierOptions`). Default 86 400. */
  readonly maxTokenLifetime?: number;
}

/**
 * Opaque access tokens, checked live at the provider (RFC 7662): `acr`, `auth_time` and `sid` come
 * from the introspection response (RFC 9470 registers `acr` and `auth_time` for it). Active answers are cached briefly (seconds, never beyond `exp`), so
 * a revoked token stops working within `cacheSeconds`; back-channel logout cuts that short.
 * The introspection endpoint is found through discovery, on first use.
 */
export function createIntrospector(options: IntrospectionOptions): TokenVerifier {
  const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  const cacheSeconds = options.cacheSeconds ?? 30;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const cache = new BoundedCache<string, Principal>(options.cacheSize ?? DEFAULTS.cacheEntries);
  const bounds = tokenTimeBounds(options);
  const authorization = `Basic ${Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64')}`;
  let endpoint: Promise<string> | undefined;

  const discover = async (): Promise<string> => {
    const response = await fetch(discoveryUrl(options.issuer), { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const { issuer, introspection_endpoint: url } = (await response.json()) as Record<string, unknown>;
    if (issuer !== options.issuer) throw new Error('the discovery document names another issuer');
    if (typeof url !== 'string' || !URL.canParse(url)) throw new Error('the provider has no introspection_endpoint');
    return url;
  };

  return {
    async verify(token) {
      const now = clock();
      const cached = cache.get(token, now);
      // The provider's active: true is not enough: an answer is held to the same time bounds as a JWT,
      // on every use, so that no opaque token outlives the memory of its logout.
      if (cached !== undefined) return checkTokenTimes(cached, now, bounds);
      let answer: JWTPayload & { active?: unknown };
      try {
        endpoint ??= discover().catch((error: unknown) => {
          endpoint = undefined;
          throw error;
        });
        const response = await fetch(await endpoint, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'error',
        });
        if (!response.ok) throw new Error(`introspection answered HTTP ${response.status}`);
        answer = (await response.json()) as typeof answer;
        options.onRequest?.(true);
      } catch (error) {
        options.onRequest?.(false);
        return { kind: 'unavailable', reason: `the token could not be introspected (${(error as Error).message})` };
      }
      const outcome = outcomeOf(answer, options, now);
      if (outcome.kind !== 'principal') return outcome;
      const checked = checkTokenTimes(outcome.principal, now, bounds);
      if (checked.kind === 'principal') cache.set(token, checked.principal, Math.min(now + cacheSeconds, checked.principal.expiresAt));
      return checked;
    },
  };
}

function outcomeOf(answer: JWTPayload & { active?: unknown }, options: IntrospectionOptions, now: number): TokenOutcome {
  if (answer.active !== true) return { kind: 'invalid', reason: 'the token is not active' };
  if (answer.iss !== undefined && answer.iss !== options.issuer) return { kind: 'invalid', reason: 'the token was issued by another issuer' };
  if (!meantForUs(answer, options)) return { kind: 'invalid', reason: 'the token is not meant for this audience' };
  if (typeof answer.exp !== 'number') return { kind: 'invalid', reason: 'the token has no exp claim' };
  if (answer.exp <= now) return { kind: 'invalid', reason: 'the token has expired' };
  const principal = principalFromClaims({ ...answer, iss: answer.iss ?? options.issuer });
  if (typeof principal === 'string') return { kind: 'invalid', reason: principal };
  return { kind: 'principal', principal };
}

/**
 * RFC 7662 §2.2: `aud` is optional. With it, it must name the gateway's audience (as RFC 9068 §4 asks
 * of a JWT); without it, only a `client_id` configured as the gateway's own is trusted, since nothing
 * else says the token was meant for this API.
 */
function meantForUs(answer: JWTPayload, options: IntrospectionOptions): boolean {
  if (answer.aud === undefined) {
    const clientId = answer['client_id'];
    return typeof clientId === 'string' && (options.clientIdsWithoutAudience ?? []).includes(clientId);
  }
  return ([] as unknown[]).concat(answer.aud).includes(options.audience);
}

/** JWTs (three dot-separated parts) go to the JWT verifier; anything else to introspection. */
export function eitherTokenFormat(jwt: TokenVerifier, opaque: TokenVerifier): TokenVerifier {
  return { verify: (token) => (token.split('.').length === 3 ? jwt.verify(token) : opaque.verify(token)) };
}
