import { jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ASYMMETRIC_ALGORITHMS } from './verifyToken.js';

const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export type LogoutTokenOutcome =
  | { readonly kind: 'valid'; readonly jti: string; readonly sid?: string; readonly sub?: string; readonly iat: number; readonly exp?: number }
  | { readonly kind: 'invalid'; readonly reason: string };

export interface LogoutTokenOptions {
  readonly issuer: string;
  /** Client ids the provider sends logout tokens for (their `aud`). */
  readonly audiences: readonly string[];
  readonly keys: JWTVerifyGetKey;
  readonly now: number;
  readonly clockTolerance: number;
}

/**
 * Validates a logout token as OIDC Back-Channel Logout 1.0 §2.6 asks: signature, `iss`, `aud`, `iat`,
 * a `jti`, the back-channel logout event, a `sid` or a `sub`, and no `nonce` (so that an ID token
 * can never pass for a logout token). `typ` must be `logout+jwt` when present (§2.4).
 * Single use of the `jti` is the caller's business: it needs the shared state.
 */
export async function verifyLogoutToken(token: string, options: LogoutTokenOptions): Promise<LogoutTokenOutcome> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(
      token,
      (header, input) => {
        if (header.typ !== undefined && header.typ.toLowerCase() !== 'logout+jwt' && header.typ.toLowerCase() !== 'application/logout+jwt') {
          throw new Error('the logout token typ must be logout+jwt');
        }
        return options.keys(header, input);
      },
      {
        issuer: options.issuer,
        audience: [...options.audiences],
        algorithms: [...ASYMMETRIC_ALGORITHMS],
        requiredClaims: ['iat', 'jti'],
        maxTokenAge: 600,
        clockTolerance: options.clockTolerance,
        currentDate: new Date(options.now * 1000),
      },
    ));
  } catch (error) {
    return { kind: 'invalid', reason: `the logout token is not valid (${(error as Error).message.replace(/"/g, '')})` };
  }
  const events = payload['events'];
  if (typeof events !== 'object' || events === null || typeof (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT] !== 'object') {
    return { kind: 'invalid', reason: 'the logout token has no back-channel logout event' };
  }
  if ('nonce' in payload) return { kind: 'invalid', reason: 'a logout token must not have a nonce' };
  const sid = typeof payload['sid'] === 'string' ? payload['sid'] : undefined;
  const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
  if (sid === undefined && sub === undefined) return { kind: 'invalid', reason: 'the logout token names neither a sid nor a sub' };
  if (typeof payload.jti !== 'string') return { kind: 'invalid', reason: 'the logout token jti must be a string' };
  return {
    kind: 'valid',
    jti: payload.jti,
    iat: payload.iat!,
    ...(sid === undefined ? {} : { sid }),
    ...(sub === undefined ? {} : { sub }),
    ...(payload.exp === undefined ? {} : { exp: payload.exp }),
  };
}
