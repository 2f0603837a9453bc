import type { SharedState } from '../state/store.js';
import type { Principal } from './principal.js';
import type { TokenTimeBounds } from './verifyToken.js';

/**
 * Sessions and users logged out through OIDC Back-Channel Logout (1.0 §2.7). A token of an ended session
 * (`sid`), or of a user logged out after the token was issued, is refused as `invalid_token` although it
 * has not expired. Entries are kept as long as a token issued before them may still be accepted.
 */
export interface Revocations {
  /** Why the principal's token no longer counts, or `undefined` when it does. May throw `StateUnavailable`. */
  reasonRevoked(principal: Principal): Promise<string | undefined>;
  /**
   * The same answer without waiting, where the state lives in this process (`SharedState.local`); absent
   * where it must be awaited (Redis). A logout recorded here applies from the next call.
   */
  reasonRevokedNow?(principal: Principal): string | undefined;
  endSession(issuer: string, sessionId: string): Promise<void>;
  logOutUser(issuer: string, subject: string, at: number): Promise<void>;
}

/**
 * Entries live `maxTokenLifetime + 2 × clockTolerance` seconds. A token a logout matches was issued at
 * most `clockTolerance` after it by our clock (the provider's clock may run ahead; a logout by `sub`
 * names its own `iat`, which may too), lives at most `maxTokenLifetime` (the verifiers refuse longer
 * ones), and is accepted up to `clockTolerance` after its `exp`.
 */
export function createRevocations(state: SharedState, bounds: TokenTimeBounds): Revocations {
  const ttlMs = (bounds.maxTokenLifetime + 2 * bounds.clockTolerance) * 1000;
  const sessionKey = (issuer: string, sid: string) => `sid:${issuer}\u0000${sid}`;
  const userKey = (issuer: string, sub: string) => `user:${issuer}\u0000${sub}`;
  const revocations: Revocations = {
    async reasonRevoked(principal) {
      const issuer = principal.issuer ?? '';
      const [sessionEnded, loggedOutAt] = await Promise.all([
        principal.sessionId === undefined ? false : state.isClaimed(sessionKey(issuer, principal.sessionId)),
        state.read(userKey(issuer, principal.subject)),
      ]);
      return reasonOf(principal, sessionEnded, loggedOutAt);
    },
    async endSession(issuer, sessionId) {
      await state.claim(sessionKey(issuer, sessionId), ttlMs);
    },
    async logOutUser(issuer, subject, at) {
      await state.raise(userKey(issuer, subject), at, ttlMs);
    },
  };
  const local = state.local;
  if (local === undefined) return revocations;
  // Principals found not revoked, with the state's version at the time. The token cache hands out the same
  // principal object for every use of a token: while no write came in, it needs no lookup. Entries that
  // expire since can only lift a revocation, never add one.
  const unrevokedAt = new WeakMap<Principal, number>();
  return {
    ...revocations,
    reasonRevokedNow(principal) {
      const version = local.version;
      if (unrevokedAt.get(principal) === version) return undefined;
      const issuer = principal.issuer ?? '';
      const sessionEnded = principal.sessionId !== undefined && local.isClaimed(sessionKey(issuer, principal.sessionId));
      const reason = reasonOf(principal, sessionEnded, local.read(userKey(issuer, principal.subject)));
      if (reason === undefined) unrevokedAt.set(principal, version);
      return reason;
    },
  };
}

function reasonOf(principal: Principal, sessionEnded: boolean, loggedOutAt: number | undefined): string | undefined {
  if (sessionEnded) return 'the session of the token has ended (logout)';
  if (loggedOutAt !== undefined && (principal.issuedAt ?? 0) <= loggedOutAt) return 'the user logged out after the token was issued';
  return undefined;
}
