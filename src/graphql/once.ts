import type { Principal } from '../auth/principal.js';
import type { Requirement } from '../stepup/requirement.js';
import type { SharedState } from '../state/store.js';

/**
 * One-time step-ups (`@isAuthenticated(once: true)`): an authentication event serves one execution of
 * a coordinate. The claim is keyed by the event (`iss`, `sub`, `sid`, `auth_time`) and the coordinate,
 * kept until the requirement's max age runs out (after that the authentication is too old anyway),
 * and taken atomically in the shared state, so that of many concurrent replays exactly one runs.
 */
export interface OnceLedger {
  /** True for the one execution the authentication allows; false once it has been used. */
  claim(principal: Principal, coordinate: string, requirement: Requirement, now: number): Promise<boolean>;
}

export function createOnceLedger(state: SharedState): OnceLedger {
  return {
    claim(principal, coordinate, requirement, now) {
      const event = [principal.issuer ?? '', principal.subject, principal.sessionId ?? '', principal.authTime ?? ''].join('\u0000');
      const until = (principal.authTime ?? now) + (requirement.maxAge ?? 0);
      return state.claim(`once:${event}\u0000${coordinate}`, Math.max(1, until - now + 1) * 1000);
    },
  };
}
