import type { JWTPayload } from 'jose';

/** What a verified access token says about the caller (RFC 9068 §2.2, OIDC Core §2). */
export interface Principal {
  /** `sub`: in the example graph, the user's login. */
  readonly subject: string;
  /** `acr`: how strongly the user authenticated, as the identity provider names it. */
  readonly acr?: string | undefined;
  /** `auth_time`: when the user authenticated, seconds since the epoch. */
  readonly authTime?: number | undefined;
  /** `client_id`, or `azp` where the provider uses that instead. */
  readonly clientId?: string | undefined;
  /** `exp`, seconds since the epoch. */
  readonly expiresAt: number;
  /** `iss`: who issued the token. */
  readonly issuer?: string | undefined;
  /** `sid`: the provider session the token belongs to (OIDC Back-Channel Logout §2.1). */
  readonly sessionId?: string | undefined;
  /** `iat`, seconds since the epoch. */
  readonly issuedAt?: number | undefined;
  /** Every claim of the token, for policies that need more. */
  readonly claims: Readonly<JWTPayload>;
}

/**
 * The outcome of reading a request's credentials. An anonymous caller is a principal of sorts;
 * an invalid token is not: it is refused outright (RFC 6750 §3.1 `invalid_token`).
 */
export type TokenOutcome =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'principal'; readonly principal: Principal }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'unavailable'; readonly reason: string };

/** Who is calling, once the credentials are verified: anonymous, or a principal. Carried once, in the request's step-up state. */
export type Caller = { readonly kind: 'anonymous' } | { readonly kind: 'principal'; readonly principal: Principal };
