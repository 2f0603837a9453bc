/** RFC 6750 §2.1: `Authorization: Bearer b64token`, the scheme matched case-insensitively. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export type Credentials =
  { readonly kind: 'none' } | { readonly kind: 'bearer'; readonly token: string } | { readonly kind: 'malformed'; readonly reason: string };

/** Reads the bearer token from an `Authorization` header value, without judging the token itself. */
export function readBearerToken(authorization: string | undefined): Credentials {
  if (authorization === undefined || authorization === '') return { kind: 'none' };
  const match = BEARER.exec(authorization);
  if (match === null) {
    return /^Bearer\b/i.test(authorization)
      ? { kind: 'malformed', reason: 'the bearer token is empty or has characters a token cannot have' }
      : { kind: 'malformed', reason: 'the Authorization header must use the Bearer scheme' };
  }
  return { kind: 'bearer', token: match[1]! };
}
