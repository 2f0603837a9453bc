import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import { verifyLogoutToken } from '../auth/logoutToken.js';
import type { Revocations } from '../auth/revocations.js';
import type { SharedState } from '../state/store.js';
import { readBody, sendJson } from './respond.js';

export interface LogoutEndpointOptions {
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly keys: JWTVerifyGetKey;
  readonly clock: () => number;
  readonly clockTolerance: number;
  readonly state: SharedState;
  readonly revocations: Revocations;
  /** The audit trail: every logout received, refused or applied. */
  readonly log?: Logger | undefined;
}

/**
 * `POST /backchannel-logout` (OIDC Back-Channel Logout 1.0 §2.5): the provider posts a `logout_token`;
 * 200 once the session (or the user) is logged out on every replica, 400 for a token that does not
 * pass, 503 when the logout cannot be recorded.
 */
export function createLogoutEndpoint(options: LogoutEndpointOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { issuer, state, revocations } = options;
  return async (req, res) => {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'invalid_request', error_description: 'POST a logout_token' }, { allow: 'POST' });
    const body = await readBody(req, 16_384);
    if (body.kind === 'refused') return sendJson(res, body.status, { error: 'invalid_request', error_description: body.message }, body.headers);
    const form = typeof body.value === 'string' ? new URLSearchParams(body.value) : undefined;
    const token = form?.get('logout_token');
    if (!token) return sendJson(res, 400, { error: 'invalid_request', error_description: 'the request has no logout_token' });
    const checked = await verifyLogoutToken(token, {
      issuer,
      audiences: options.audiences,
      keys: options.keys,
      now: options.clock(),
      clockTolerance: options.clockTolerance,
    });
    if (checked.kind === 'invalid') {
      options.log?.info({ event: 'logout.refused', reason: checked.reason }, `back-channel logout refused: ${checked.reason}`);
      return sendJson(res, 400, { error: 'invalid_request', error_description: checked.reason });
    }
    options.log?.info({ event: 'logout.received', iss: issuer, sub: checked.sub, sid: checked.sid, jti: checked.jti }, 'back-channel logout received');
    try {
      // §2.6: a logout token is used once; its jti is remembered as long as it could be replayed.
      if (!(await state.claim(`jti:${issuer}\u0000${checked.jti}`, 15 * 60_000))) {
        return sendJson(res, 400, { error: 'invalid_request', error_description: 'the logout token was already used' });
      }
      if (checked.sid !== undefined) await revocations.endSession(issuer, checked.sid);
      else await revocations.logOutUser(issuer, checked.sub!, checked.iat);
      options.log?.info(
        { event: 'revocation.applied', iss: issuer, scope: checked.sid !== undefined ? 'session' : 'user', sid: checked.sid, sub: checked.sub },
        checked.sid !== undefined
          ? `session ${checked.sid} logged out: its tokens are refused`
          : `user ${checked.sub} logged out: tokens issued before are refused`,
      );
    } catch {
      return sendJson(res, 503, { error: 'temporarily_unavailable', error_description: 'the logout cannot be recorded right now' }, { 'retry-after': '5' });
    }
    return sendJson(res, 200, {});
  };
}
