import { createPrivateKey, randomUUID, sign as signBytes, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { BoundedCache } from '../auth/boundedCache.js';
import type { StepUpState } from '../graphql/context.js';
import type { AuthorizationDetail } from '../stepup/approval.js';
import { effectiveLevel, type Ladder } from '../stepup/ladder.js';
import type { Requirement } from '../stepup/requirement.js';
import { requestDigest, TXN_TOKEN_HEADER, TXN_TOKEN_TYPE, type SubgraphRequest } from './txnToken.js';
import { DEFAULTS } from '../defaults.js';

export { TXN_TOKEN_HEADER, TXN_TOKEN_TYPE, requestDigest, type SubgraphRequest } from './txnToken.js';

/** The header that carries the gateway's signed identity of the caller to each subgraph: `Txn-Token`. */
export const IDENTITY_HEADER = TXN_TOKEN_HEADER;
/**
 * The header identities were sent in before transaction tokens. Deprecated: subgraph helpers still read it
 * when `Txn-Token` is absent, for this release only; the gateway no longer sends it.
 */
export const LEGACY_IDENTITY_HEADER = 'gateway-identity';
/** The JWT `typ` of an identity: a transaction token's. */
export const IDENTITY_TYPE = TXN_TOKEN_TYPE;
/** The `typ` identities had before transaction tokens: no `txn`, no digest. Accepted only when a subgraph opts in. */
export const LEGACY_IDENTITY_TYPE = 'step-up-identity+jwt';
/** Where the gateway publishes the public keys subgraphs verify identities with. */
export const IDENTITY_JWKS_PATH = '/.well-known/gateway-jwks.json';
/** Seconds an identity is valid: long enough for one subgraph request, short enough to be useless when stolen. */
export const IDENTITY_LIFETIME = 60;

const ALG = 'EdDSA';
/** The dev-mode identity key's file in `devKeyDir`, next to the dev provider's `signing-key.json`. */
const DEV_KEY_FILE = 'identity-key.json';

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
 * caller), how they authenticated, and which requirements this operation met on the way. In the token,
 * `sub` is a top-level claim and the rest is the transaction context, `tctx`.
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
  /**
   * RFC 9396 `authorization_details` the user approved for this operation and the gateway consumed, so that
   * the owning service can check its own arguments against them. Absent when the operation needed none.
   */
  readonly authorization_details?: readonly AuthorizationDetail[];
}

/** `tctx`: the immutable transaction context, what the subgraph relies on besides `sub`. */
export type TransactionContext = Omit<IdentityClaims, 'sub'>;

export interface IdentitySigner {
  /** `iss` of every identity. */
  readonly issuer: string;
  /** The public keys, as served at {@link IDENTITY_JWKS_PATH}. */
  readonly jwks: { readonly keys: readonly JWK[] };
  /**
   * A transaction token for one request to `audience` (the subgraph's name): a fresh `txn`, the digest of
   * `request` (what is sent with it), valid {@link IDENTITY_LIFETIME} seconds from `now`. `claimsKey`
   * (default: the claims as JSON) identifies equal claims, whose serialized part is made once per caller.
   */
  sign(claims: IdentityClaims, audience: string, now: number, request: SubgraphRequest, claimsKey?: string): string;
}

/**
 * The gateway's identity key: an Ed25519 private JWK read from `keyFile` (replicas behind one load balancer
 * must share it, or a subgraph fetching the JWKS from one replica cannot verify another's); in dev mode
 * one kept in `devKeyDir` (made on first use), so that a restarted gateway keeps its `kid`; else one made
 * for this process. For a rotation, `keyFile` may hold a JWK Set instead: its first key (private) signs,
 * and every key's public half is published.
 */
export async function createIdentitySigner(options: {
  issuer: string;
  keyFile?: string | undefined;
  devKeyDir?: string | undefined;
  cacheSize?: number;
}): Promise<IdentitySigner> {
  let privateJwk: JWK;
  let others: JWK[] = [];
  if (options.keyFile !== undefined) {
    [privateJwk, ...others] = await readKeyFile(options.keyFile);
  } else if (options.devKeyDir !== undefined) {
    privateJwk = await loadDevIdentityKey(options.devKeyDir);
  } else {
    privateJwk = await newIdentityKey();
  }
  const published = await Promise.all(
    [privateJwk, ...others].map(async (jwk) => {
      const { d: _private, ...rest } = jwk;
      const publicJwk: JWK = { ...rest, alg: ALG, use: 'sig' };
      publicJwk.kid ??= await calculateJwkThumbprint(publicJwk);
      return Object.freeze(publicJwk);
    }),
  );
  const publicJwk = published[0]!;
  const key: KeyObject = createPrivateKey({ key: { ...privateJwk } as never, format: 'jwk' });
  const { issuer } = options;
  const header = Buffer.from(JSON.stringify({ alg: ALG, typ: TXN_TOKEN_TYPE, kid: publicJwk.kid })).toString('base64url');
  const iss = JSON.stringify(issuer);
  // What stays the same for a caller's requests is serialized once: `"sub":…,"tctx":{…}`. What must not
  // (txn, digest, audience, times) is written per request, and every request is signed: a signed token
  // reused across requests is what a replay needs.
  const contexts = new BoundedCache<string, string>(options.cacheSize ?? DEFAULTS.cacheEntries);
  return {
    issuer,
    jwks: Object.freeze({ keys: Object.freeze(published) }),
    sign(claims, audience, now, request, claimsKey = JSON.stringify(claims)) {
      let context = contexts.get(claimsKey, now);
      if (context === undefined) {
        context = serializedContext(claims);
        contexts.set(claimsKey, context, now + IDENTITY_LIFETIME);
      }
      const txn = randomUUID();
      const payload =
        `{"iss":${iss},"aud":${JSON.stringify(audience)},"iat":${now},"exp":${now + IDENTITY_LIFETIME},` +
        `"txn":"${txn}","jti":"${txn}","req_digest":"${requestDigest(request)}",${context}}`;
      const input = `${header}.${Buffer.from(payload, 'utf8').toString('base64url')}`;
      // Ed25519 (RFC 8037) with node:crypto's one-shot sign: synchronous, no WebCrypto promise per request.
      return `${input}.${signBytes(null, Buffer.from(input, 'utf8'), key).toString('base64url')}`;
    },
  };
}

/** `keyFile`: one Ed25519 private JWK, or `{ "keys": [signing private JWK, other Ed25519 JWKs to publish…] }`. */
async function readKeyFile(file: string): Promise<[JWK, ...JWK[]]> {
  let parsed: { keys?: unknown } & JWK;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8')) as typeof parsed;
  } catch (error) {
    throw new TypeError(`config "subgraphIdentity.keyFile": ${file} cannot be read as a JWK: ${(error as Error).message}`);
  }
  const keys = (Array.isArray(parsed.keys) ? parsed.keys : [parsed]) as JWK[];
  const ed25519 = (jwk: JWK | undefined) => jwk !== undefined && jwk !== null && jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string';
  if (!ed25519(keys[0]) || typeof keys[0]!.d !== 'string' || !keys.every(ed25519)) {
    throw new TypeError(
      `config "subgraphIdentity.keyFile": ${file} must hold an Ed25519 private JWK (kty OKP, crv Ed25519, d), or a JWK Set whose first key is one and whose other keys are Ed25519`,
    );
  }
  return keys as [JWK, ...JWK[]];
}

/** `"sub":"alice","tctx":{…}`, or `"tctx":{…}` for an anonymous caller. */
function serializedContext(claims: IdentityClaims): string {
  const { sub, ...tctx } = claims;
  return `${sub === undefined ? '' : `"sub":${JSON.stringify(sub)},`}"tctx":${JSON.stringify(tctx satisfies TransactionContext)}`;
}

async function newIdentityKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
  return exportJWK(privateKey);
}

/** Dev mode's identity key in `dir` (mode 0600), made on first use like the dev provider's (src/auth/devIssuer.ts). */
async function loadDevIdentityKey(dir: string): Promise<JWK> {
  const file = join(dir, DEV_KEY_FILE);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new TypeError(`the dev identity key ${file} cannot be read; delete it to make a new one`);
  }
  const privateJwk = await newIdentityKey();
  const { d: _private, ...publicJwk } = privateJwk;
  privateJwk.kid = await calculateJwkThumbprint(publicJwk);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(privateJwk)}\n`, { mode: 0o600 });
  return privateJwk;
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
    ...(state.approved === undefined ? {} : { authorization_details: [...state.approved] }),
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
