/**
 * The defaults that several parts share, typed once: the config file's defaults and the library factories'
 * (`createTokenVerifier`, `discoverKeys`, the subgraph call, …) are these very values. Units are in the names.
 */
export const DEFAULTS = Object.freeze({
  /** Seconds of clock skew tolerated on `exp`, `nbf`, `iat` and `auth_time`. */
  clockToleranceSeconds: 60,
  /** Seconds an access token may live at most (and logouts are remembered). */
  maxTokenLifetimeSeconds: 86_400,
  /** Entries of a cache of verified tokens, introspection answers or identity contexts. */
  cacheEntries: 10_000,
  /** Milliseconds to wait for an OpenID Provider (discovery, JWKS, introspection) or a subgraph. */
  timeoutMs: 5_000,
  /** Milliseconds between two JWKS refetches caused by an unknown `kid`. */
  jwksCooldownMs: 30_000,
});
