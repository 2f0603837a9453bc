import type { SharedState } from '../state/store.js';
import type { Principal } from './principal.js';

/**
 * Sessions and users logged out through OIDC Back-Channel Logout. A token of an ended session (`sid`),
 * or of a user logged out after the token was issued, is refused as `invalid_token` although it has not
 * expired. Entries are kept as long as a token issued before them may live (`maxTokenLifetime`).
 */
export interface Revocations {
  /** Why the principal's token no longer counts, or `undefined` when it does. May throw `StateUnavailable`. */
  reasonRevoked(principal: Principal): Promise<string | undefined>;
  endSession(issuer: string, sessionId: string): Promise<void>;
  logOutUser(issuer: string, subject: string, at: number): Promise<void>;
}

export function createRevocations(state: SharedState, maxTokenLifetimeSeconds: number): Revocations {
  const ttlMs = maxTokenLifetimeSeconds * 1000;
  const sessionKey = (issuer: string, sid: string) => `sid:${issuer}\u0000${sid}`;
  const userKey = (issuer: string, sub: string) => `user:${issuer}\u0000${sub}`;
  return {
    async reasonRevoked(principal) {
      const issuer = principal.issuer ?? '';
      const [sessionEnded, loggedOutAt] = await Promise.all([
        principal.sessionId === undefined ? false : state.isClaimed(sessionKey(issuer, principal.sessionId)),
        state.read(userKey(issuer, principal.subject)),
      ]);
      if (sessionEnded) return 'the session of the token has ended (logout)';
      if (loggedOutAt !== undefined && (principal.issuedAt ?? 0) <= loggedOutAt) return 'the user logged out after the token was issued';
      return undefined;
    },
    async endSession(issuer, sessionId) {
      await state.claim(sessionKey(issuer, sessionId), ttlMs);
    },
    async logOutUser(issuer, subject, at) {
      await state.raise(userKey(issuer, subject), at, ttlMs);
    },
  };
}
