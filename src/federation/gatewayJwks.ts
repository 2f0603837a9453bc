import { createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import { BoundedCache } from '../auth/boundedCache.js';
import { DEFAULTS } from '../defaults.js';

export interface GatewayJwksOptions {
  /** Milliseconds before a `kid` that forced a refetch may force another. Default 30 000. */
  readonly perKidIntervalMs?: number;
  /** Milliseconds between two forced refetches, whatever their `kid`. Default 1 000. */
  readonly globalIntervalMs?: number;
  /** Milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * The gateway's JWKS at `url`, refetched at once when a token names a `kid` it does not hold: a gateway
 * restarted with a new key (or rotating to one) is trusted on its first request, where jose's own
 * cooldown (30 s after any fetch) would refuse it with ERR_JWKS_NO_MATCHING_KEY until then.
 *
 * A forged token can name any `kid`, so forcing is bounded: a given `kid` forces at most one refetch per
 * `perKidIntervalMs`, and all of them together at most one per `globalIntervalMs`. A refused `kid` stays
 * refused until one of them allows the next refetch.
 */
export function createGatewayJwks(url: URL, options: GatewayJwksOptions = {}): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(url, { cooldownDuration: DEFAULTS.jwksCooldownMs, timeoutDuration: DEFAULTS.timeoutMs });
  const now = options.now ?? Date.now;
  const perKid = options.perKidIntervalMs ?? DEFAULTS.jwksCooldownMs;
  const global = options.globalIntervalMs ?? 1_000;
  const forcedAt = new BoundedCache<string, true>(1_000);
  let lastForced = -Infinity;
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      const at = now();
      const kid = header.kid ?? '';
      if (at - lastForced < global || forcedAt.get(kid, at) !== undefined) throw error;
      lastForced = at;
      forcedAt.set(kid, true, at + perKid);
      await remote.reload();
      return remote(header, token);
    }
  };
}
