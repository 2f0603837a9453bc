import type { JWTPayload } from 'jose';
import { BoundedCache } from './boundedCache.js';
import { discoveryUrl } from './discoverKeys.js';
import type { Principal, TokenOutcome } from './principal.js';
import { principalOf, type TokenVerifier } from './verifyToken.js';

export interface IntrospectionOptions {
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
}

/**
 * Opaque access tokens, checked live at the provider (RFC 7662): `acr`, `auth_time` and `sid` come
 * from the introspection response. Active answers are cached briefly (seconds, never beyond `exp`), so
 * a revoked token stops working within `cacheSeconds`; back-channel logout cuts that short.
 * The introspection endpoint is found through discovery, on first use.
 */
export function createIntrospector(options: IntrospectionOptions): TokenVerifier {
  const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  const cacheSeconds = options.cacheSeconds ?? 30;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const cache = new BoundedCache<string, Principal>(options.cacheSize ?? 10_000);
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
      if (cached !== undefined) return { kind: 'principal', principal: cached };
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
      } catch (error) {
        return { kind: 'unavailable', reason: `the token could not be introspected (${(error as Error).message})` };
      }
      return outcomeOf(answer, options, now, (principal) => cache.set(token, principal, Math.min(now + cacheSeconds, principal.expiresAt)));
    },
  };
}

function outcomeOf(
  answer: JWTPayload & { active?: unknown },
  options: IntrospectionOptions,
  now: number,
  remember: (principal: Principal) => void,
): TokenOutcome {
  if (answer.active !== true) return { kind: 'invalid', reason: 'the token is not active' };
  if (answer.iss !== undefined && answer.iss !== options.issuer) return { kind: 'invalid', reason: 'the token was issued by another issuer' };
  const audiences = answer.aud === undefined ? [] : ([] as unknown[]).concat(answer.aud);
  if (!audiences.includes(options.audience)) return { kind: 'invalid', reason: 'the token is not meant for this audience' };
  if (typeof answer.exp !== 'number') return { kind: 'invalid', reason: 'the token has no exp claim' };
  if (answer.exp <= now) return { kind: 'invalid', reason: 'the token has expired' };
  const principal = principalOf({ ...answer, iss: answer.iss ?? options.issuer });
  if (typeof principal === 'string') return { kind: 'invalid', reason: principal };
  remember(principal);
  return { kind: 'principal', principal };
}

/** JWTs (three dot-separated parts) go to the JWT verifier; anything else to introspection. */
export function eitherTokenFormat(jwt: TokenVerifier, opaque: TokenVerifier): TokenVerifier {
  return { verify: (token) => (token.split('.').length === 3 ? jwt.verify(token) : opaque.verify(token)) };
}
