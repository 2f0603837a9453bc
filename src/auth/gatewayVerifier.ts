import type { JWTVerifyGetKey } from 'jose';
import type { Config } from '../config.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import { createIntrospector, eitherTokenFormat } from './introspectToken.js';
import { createTokenVerifier, type TokenVerifier } from './verifyToken.js';

/**
 * The gateway's token verifier: JWT access tokens always; opaque ones too when `opaqueTokens` is on and
 * there is a client to introspect with (`OIDC_CLIENT_ID`, or the embedded provider's in dev mode).
 */
export function createGatewayVerifier(
  config: Pick<
    Config,
    | 'audience'
    | 'clockTolerance'
    | 'tokenCacheSize'
    | 'limits'
    | 'maxTokenLifetime'
    | 'opaqueTokens'
    | 'introspectionCacheSeconds'
    | 'jwksTimeoutMs'
    | 'introspectionClientIds'
  >,
  options: {
    issuer: string;
    keys: JWTVerifyGetKey;
    clock: () => number;
    introspectionClient: { id: string; secret: string } | undefined;
    metrics?: GatewayMetrics | undefined;
  },
): TokenVerifier {
  const { issuer, keys, clock, introspectionClient, metrics } = options;
  const jwt = createTokenVerifier({
    issuer,
    audience: config.audience,
    keys,
    clockTolerance: config.clockTolerance,
    cacheSize: config.tokenCacheSize,
    maxTokenBytes: config.limits.maxTokenBytes,
    maxTokenLifetime: config.maxTokenLifetime,
    clock,
    onCacheLookup: metrics === undefined ? undefined : (hit) => metrics.tokenCache.inc({ result: hit ? 'hit' : 'miss' }),
  });
  if (!config.opaqueTokens || introspectionClient === undefined) return jwt;
  return eitherTokenFormat(
    jwt,
    createIntrospector({
      issuer,
      audience: config.audience,
      clientId: introspectionClient.id,
      clientSecret: introspectionClient.secret,
      cacheSeconds: config.introspectionCacheSeconds,
      cacheSize: config.tokenCacheSize,
      timeoutMs: config.jwksTimeoutMs,
      clockTolerance: config.clockTolerance,
      maxTokenLifetime: config.maxTokenLifetime,
      clientIdsWithoutAudience: config.introspectionClientIds,
      clock,
      onRequest: metrics === undefined ? undefined : (ok) => metrics.introspections.inc({ outcome: ok ? 'ok' : 'failed' }),
    }),
  );
}
