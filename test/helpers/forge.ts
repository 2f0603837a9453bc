import { base64url, decodeJwt, exportSPKI, importJWK, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** The claims of a token, to re-sign them in a forged way. */
export function claimsOf(token: string): JWTPayload {
  return decodeJwt(token);
}

/** An unsigned token (`alg: none`, empty signature). */
export function unsigned(header: Record<string, unknown>, claims: JWTPayload): string {
  const part = (value: unknown) => base64url.encode(JSON.stringify(value));
  return `${part(header)}.${part(claims)}.`;
}

/** The classic key-confusion attack: HMAC-signed with the issuer's public key as the secret. */
export async function hs256WithPublicKey(claims: JWTPayload, publicJwk: JWK): Promise<string> {
  const pem = await exportSPKI((await importJWK({ ...publicJwk, alg: 'ES256' }, 'ES256')) as CryptoKey);
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(new TextEncoder().encode(pem));
}
