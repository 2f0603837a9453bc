import { createRemoteJWKSet, customFetch, errors, type JWTVerifyGetKey } from 'jose';
import { KeySourceUnavailable } from './verifyToken.js';
import { DEFAULTS } from '../defaults.js';

export interface DiscoverKeysOptions {
  /** Milliseconds to wait for the discovery document or the JWKS. Default 5000. */
  readonly timeoutMs?: number;
  /** Milliseconds between two JWKS fetches triggered by an unknown `kid`. Default 30 000. */
  readonly cooldownMs?: number;
  /** Told of every fetch of the discovery document or the JWKS, and whether it succeeded (for the metrics). */
  readonly onFetch?: ((ok: boolean) => void) | undefined;
}

type RemoteJWKSet = ReturnType<typeof createRemoteJWKSet>;

/** The issuer's keys, as jose's `jwtVerify` takes them, and a way to load them ahead of the first token. */
export type DiscoveredKeys = JWTVerifyGetKey & {
  /**
   * Reads the discovery document and the JWKS now, and says how many keys it holds; rejects with
   * `KeySourceUnavailable` saying why when the issuer cannot be used. Used at start-up, to log either.
   */
  load(): Promise<number>;
};

/** OpenID Connect Discovery 1.0 §4: the configuration lives at the issuer plus this path. */
export function discoveryUrl(issuer: string): URL {
  return new URL(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
}

/**
 * Signing keys of an OpenID Provider, found through its discovery document and fetched with jose's
 * remote JWKS: once, then again only for a `kid` it does not know, at most once per cooldown.
 * Discovery happens on the first token, so the gateway starts while the provider is down; a failure
 * is retried by the next token. Network failures surface as `KeySourceUnavailable`, not as a bad token.
 */
export function discoverKeys(issuer: string, options: DiscoverKeysOptions = {}): DiscoveredKeys {
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const cooldownMs = options.cooldownMs ?? DEFAULTS.jwksCooldownMs;
  let remote: Promise<RemoteJWKSet> | undefined;

  async function discover(): Promise<RemoteJWKSet> {
    const url = discoveryUrl(issuer);
    let document: unknown;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      document = await response.json();
      options.onFetch?.(true);
    } catch (error) {
      options.onFetch?.(false);
      throw new KeySourceUnavailable(`the issuer discovery document could not be read (${(error as Error).message})`);
    }
    const { issuer: announced, jwks_uri: jwksUri } = (document ?? {}) as Record<string, unknown>;
    // Discovery §4.3: the issuer in the document must be exactly the one we asked, to the last slash.
    if (announced !== issuer) {
      throw new KeySourceUnavailable(
        `the discovery document names the issuer ${JSON.stringify(announced)}, but OIDC_ISSUER is ${JSON.stringify(issuer)}; they must be identical`,
      );
    }
    if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) {
      throw new KeySourceUnavailable('the discovery document has no valid jwks_uri');
    }
    const counted: typeof fetch = async (input, init) => {
      try {
        const response = await fetch(input, init);
        options.onFetch?.(response.ok);
        return response;
      } catch (error) {
        options.onFetch?.(false);
        throw error;
      }
    };
    return createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: timeoutMs, cooldownDuration: cooldownMs, [customFetch]: counted });
  }

  const discovered = (): Promise<RemoteJWKSet> =>
    (remote ??= discover().catch((error: unknown) => {
      remote = undefined;
      throw error;
    }));

  const getKey: JWTVerifyGetKey = async (header, token) => {
    const keys = await discovered();
    try {
      return await keys(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      if (error instanceof errors.JOSENotSupported) throw error;
      throw new KeySourceUnavailable(`the issuer JWKS could not be read (${(error as Error).message})`);
    }
  };
  return Object.assign(getKey, {
    async load() {
      const keys = await discovered();
      try {
        await keys.reload();
      } catch (error) {
        throw new KeySourceUnavailable(`the issuer JWKS could not be read (${(error as Error).message})`);
      }
      return keys.jwks()?.keys.length ?? 0;
    },
  });
}
