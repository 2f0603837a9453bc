import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';

/**
 * The development issuer's key: kept in a git-ignored folder so that tokens minted with `npm run token`
 * survive a restart; the embedded OpenID Provider signs with it too (src/idp/). For local runs only;
 * with `OIDC_ISSUER` set the gateway trusts that provider instead.
 */
export interface DevKey {
  readonly publicJwk: JWK;
  /** The private half, for the embedded OpenID Provider that signs with it. */
  readonly privateJwk: JWK;
  /** Verifies with the dev key without a network round trip. */
  readonly keys: JWTVerifyGetKey;
  readonly privateKey: CryptoKey;
}

const ALG = 'ES256';
const KEY_FILE = 'signing-key.json';

/** Reads the dev signing key from `keyDir`, making one (ES256, mode 0600) on first use. */
export async function loadDevKey(keyDir: string): Promise<DevKey> {
  const file = join(keyDir, KEY_FILE);
  let privateJwk: JWK;
  try {
    privateJwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new TypeError(`the dev signing key ${file} cannot be read; delete it to make a new one`);
    }
    const { privateKey } = await generateKeyPair(ALG, { extractable: true });
    privateJwk = await exportJWK(privateKey);
    privateJwk.kid = await calculateJwkThumbprint(privateJwk);
    privateJwk.alg = ALG;
    await mkdir(keyDir, { recursive: true, mode: 0o700 });
    await writeFile(file, `${JSON.stringify(privateJwk)}\n`, { mode: 0o600 });
  }
  const { d: _private, ...publicJwk } = privateJwk;
  publicJwk.use = 'sig';
  const privateKey = (await importJWK(privateJwk, ALG)) as CryptoKey;
  return { publicJwk, privateJwk, privateKey, keys: createLocalJWKSet({ keys: [publicJwk] }) };
}

export interface DevTokenClaims {
  readonly issuer: string;
  readonly subject: string;
  readonly audience: string;
  /** The `acr` string to put in the token; none when absent. */
  readonly acr?: string | undefined;
  /** `auth_time`; none when absent. */
  readonly authTime?: number | undefined;
  /** Seconds since the epoch. */
  readonly now: number;
  /** Seconds the token lives. */
  readonly ttl: number;
  readonly clientId?: string | undefined;
  /** RFC 9396 `authorization_details`: approvals the token carries; none when absent. */
  readonly authorizationDetails?: readonly unknown[] | undefined;
}

/** Mints an RFC 9068 access token signed by the dev issuer. */
export async function mintDevToken(key: DevKey, claims: DevTokenClaims): Promise<string> {
  const payload: Record<string, unknown> = { client_id: claims.clientId ?? 'guthib-web' };
  if (claims.acr !== undefined) payload['acr'] = claims.acr;
  if (claims.authTime !== undefined) payload['auth_time'] = claims.authTime;
  if (claims.authorizationDetails !== undefined) payload['authorization_details'] = claims.authorizationDetails;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: ALG, typ: 'at+jwt', kid: key.publicJwk.kid! })
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setSubject(claims.subject)
    .setIssuedAt(claims.now)
    .setExpirationTime(claims.now + claims.ttl)
    .setJti(crypto.randomUUID())
    .sign(key.privateKey);
}
