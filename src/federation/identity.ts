import { readFile } from 'node:fs/promises';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { BoundedCache } from '../auth/boundedCache.js';
import type { StepUpState } from '../graphql/context.js';
import { effectiveLevel, type Ladder } from '../stepup/ladder.js';
import type { Requirement } from '../stepup/requirement.js';

/** The header that carries the gateway's signed identity of the caller to each subgraph. */
export const IDENTITY_HEADER = 'gateway-identity';
/** The JWT `typ` of an identity (RFC 8725 §3.11): never mistaken for an access token, nor one for it. */
export const IDENTITY_TYPE = 'step-up-identity+jwt';
/** Where the gateway publishes the public keys subgraphs verify identities with. */
export const IDENTITY_JWKS_PATH = '/.well-known/gateway-jwks.json';
/** Seconds an identity is valid: long enough for one subgraph request, short enough to be useless when stolen. */
export const IDENTITY_LIFETIME = 60;

const ALG = 'EdDSA';

/** A requirement this operation met at the gateway, as the subgraph sees it. */
export interface PassedRequirement {
  /** The schema coordinate, e.g. `Mutation.transferRepositoryOwnership`. */
  readonly coordinate: string;
  readonly level?: string;
  readonly max_age?: number;
  readonly once?: true;
}

/**
 * What a subgraph learns about a request from the gateway: who calls (absent claims for an anonymous
 * caller), how they authenticated, and which requirements this operation met on the way.
 */
export interface IdentityClaims {
  readonly sub?: string;
  readonly client_id?: string;
  readonly sid?: string;
  readonly acr?: string;
  readonly auth_time?: number;
  /** The caller's effective level at the gateway's "now" (decay applied); absent below the ladder. */
  readonly level?: string;
  readonly passed: readonly PassedRequirement[];
}

export interface IdentitySigner {
  /** `iss` of every identity. */
  readonly issuer: string;
  /** The public keys, as served at {@link IDENTITY_JWKS_PATH}. */
  readonly jwks: { readonly keys: readonly JWK[] };
  /**
   * A signed identity for `audience` (the subgraph's name), valid {@link IDENTITY_LIFETIME} seconds from `now`.
   * `claimsKey` (default: the claims as JSON) identifies equal claims in the cache of signed identities.
   */
  sign(claims: IdentityClaims, audience: string, now: number, claimsKey?: string): Promise<string>;
}

/**
 * The gateway's identity key: an Ed25519 private JWK read from `keyFile` (replicas behind one load balancer
 * must share it, or a subgraph fetching the JWKS from one replica cannot verify another's), or one made
 * for this process.
 */
export async function createIdentitySigner(options: { issuer: string; keyFile?: string | undefined; cacheSize?: number }): Promise<IdentitySigner> {
  let privateJwk: JWK;
  if (options.keyFile !== undefined) {
    try {
      privateJwk = JSON.parse(await readFile(options.keyFile, 'utf8')) as JWK;
    } catch (error) {
      throw new TypeError(`config "subgraphIdentity.keyFile": ${options.keyFile} cannot be read as a JWK: ${(error as Error).message}`);
    }
    if (privateJwk.kty !== 'OKP' || privateJwk.crv !== 'Ed25519' || typeof privateJwk.d !== 'string') {
      throw new TypeError(`config "subgraphIdentity.keyFile": ${options.keyFile} must hold an Ed25519 private JWK (kty OKP, crv Ed25519, d)`);
    }
  } else {
    const { privateKey } = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
    privateJwk = await exportJWK(privateKey);
  }
  const { d: _private, ...rest } = privateJwk;
  const publicJwk: JWK = { ...rest, alg: ALG, use: 'sig' };
  publicJwk.kid ??= await calculateJwkThumbprint(publicJwk);
  const key = (await importJWK({ ...privateJwk, alg: ALG }, ALG)) as CryptoKey;
  const { issuer } = options;
  // A repeated operation by the same caller reuses its identity for half its lifetime: signing is the
  // dearest step of a subgraph request, and the claims are the same.
  const cache = new BoundedCache<string, { token: string; exp: number }>(options.cacheSize ?? 10_000);
  return {
    issuer,
    jwks: Object.freeze({ keys: Object.freeze([Object.freeze(publicJwk)]) }),
    async sign(claims, audience, now, claimsKey = JSON.stringify(claims)) {
      const cacheKey = `${audience}\n${claimsKey}`;
      const cached = cache.get(cacheKey, now);
      if (cached !== undefined) return cached.token;
      const exp = now + IDENTITY_LIFETIME;
      const token = await new SignJWT({ ...claims })
        .setProtectedHeader({ alg: ALG, typ: IDENTITY_TYPE, kid: publicJwk.kid })
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .sign(key);
      cache.set(cacheKey, { token, exp }, now + IDENTITY_LIFETIME / 2);
      return token;
    },
  };
}

/** The claims for a request's caller and the requirements its operation met. */
export function identityClaimsOf(ladder: Ladder, state: StepUpState, passed: readonly PassedRequirement[]): IdentityClaims {
  if (state.caller.kind !== 'principal') return { passed };
  const { principal } = state.caller;
  const level = effectiveLevel(ladder, { acr: principal.acr, authTime: principal.authTime }, state.now);
  return {
    sub: principal.subject,
    ...(principal.clientId === undefined ? {} : { client_id: principal.clientId }),
    ...(principal.sessionId === undefined ? {} : { sid: principal.sessionId }),
    ...(principal.acr === undefined ? {} : { acr: principal.acr }),
    ...(principal.authTime === undefined ? {} : { auth_time: principal.authTime }),
    ...(level === undefined ? {} : { level: level.name }),
    passed,
  };
}

export function passedRequirement(coordinate: string, requirement: Requirement): PassedRequirement {
  return {
    coordinate,
    ...(requirement.level === undefined ? {} : { level: requirement.level }),
    ...(requirement.maxAge === undefined ? {} : { max_age: requirement.maxAge }),
    ...(requirement.once === true ? { once: true as const } : {}),
  };
}
