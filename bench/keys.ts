/**
 * ES256 key pair in a JSON file, shared by every competitor server (env BENCH_KEYS_FILE), and a token
 * minter. CLI:
 *   npx tsx keys.ts gen  [file]                        writes a new key pair (default ./bench-keys.json)
 *   npx tsx keys.ts mint [file] [--sub alice] [--acr gold|silver|bronze|<raw>] [--auth-age 0] [--ttl 3600]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
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

export const ALG = 'ES256';
export const ISSUER = 'https://issuer.bench.local';
export const AUDIENCE = 'guthib-api';
export const DEFAULT_KEYS_FILE = resolve(import.meta.dirname, 'bench-keys.json');

/** The InCommon ladder the product uses by default. */
export const ACR = {
  bronze: 'urn:mace:incommon:iap:bronze',
  silver: 'urn:mace:incommon:iap:silver',
  gold: 'urn:mace:incommon:iap:gold',
} as const;

export interface KeyFile {
  readonly privateJwk: JWK;
  readonly jwks: { keys: JWK[] };
}

export async function generateKeys(file = DEFAULT_KEYS_FILE): Promise<KeyFile> {
  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  privateJwk.kid = await calculateJwkThumbprint(privateJwk);
  privateJwk.alg = ALG;
  const { d: _d, ...publicJwk } = privateJwk;
  publicJwk.use = 'sig';
  const keyFile: KeyFile = { privateJwk, jwks: { keys: [publicJwk] } };
  writeFileSync(file, `${JSON.stringify(keyFile, null, 2)}\n`, { mode: 0o600 });
  return keyFile;
}

export function readKeys(file = process.env['BENCH_KEYS_FILE'] ?? DEFAULT_KEYS_FILE): KeyFile {
  return JSON.parse(readFileSync(file, 'utf8')) as KeyFile;
}

/** What a server needs: a local JWKS (no network), plus issuer and audience. */
export function localKeySet(file?: string): JWTVerifyGetKey {
  return createLocalJWKSet(readKeys(file).jwks);
}

export interface MintOptions {
  sub?: string;
  /** `gold`, `silver`, `bronze` or a raw acr string; `null` for no acr claim. */
  acr?: string | null;
  /** Seconds since the user authenticated; `null` for no auth_time claim. */
  authAge?: number | null;
  ttl?: number;
  now?: number;
}

let cachedSigner: { jwk: JWK; key: CryptoKey } | undefined;

export async function mintToken(keys: KeyFile, options: MintOptions = {}): Promise<string> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const acrName = options.acr === undefined ? 'gold' : options.acr;
  const acr = acrName === null ? undefined : ((ACR as Record<string, string>)[acrName] ?? acrName);
  const authAge = options.authAge === undefined ? 0 : options.authAge;
  if (cachedSigner?.jwk !== keys.privateJwk) {
    cachedSigner = { jwk: keys.privateJwk, key: (await importJWK(keys.privateJwk, ALG)) as CryptoKey };
  }
  const claims: Record<string, unknown> = {};
  if (acr !== undefined) claims['acr'] = acr;
  if (authAge !== null) claims['auth_time'] = now - authAge;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALG, typ: 'at+jwt', kid: keys.privateJwk.kid! })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(options.sub ?? 'alice')
    .setIssuedAt(now)
    .setExpirationTime(now + (options.ttl ?? 3600))
    .sign(cachedSigner.key);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [command, ...rest] = process.argv.slice(2);
  const file = rest[0] && !rest[0].startsWith('--') ? resolve(rest.shift()!) : DEFAULT_KEYS_FILE;
  const flag = (name: string): string | undefined => {
    const i = rest.indexOf(`--${name}`);
    return i < 0 ? undefined : rest[i + 1];
  };
  if (command === 'gen') {
    await generateKeys(file);
    console.log(`wrote ${file}`);
  } else if (command === 'mint') {
    const authAge = flag('auth-age');
    console.log(
      await mintToken(readKeys(file), {
        sub: flag('sub'),
        acr: flag('acr'),
        authAge: authAge === undefined ? 0 : Number(authAge),
        ttl: flag('ttl') === undefined ? undefined : Number(flag('ttl')),
      }),
    );
  } else {
    console.error('usage: tsx keys.ts gen|mint [file] [--sub alice] [--acr gold] [--auth-age 0] [--ttl 3600]');
    process.exit(2);
  }
}
