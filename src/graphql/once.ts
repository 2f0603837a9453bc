import { createHash } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import type { AuthorizationDetail } from '../stepup/approval.js';
import { canonicalJson } from '../stepup/canonicalJson.js';
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
  /**
   * Consumes an approval the token carries: true for the one call it serves. Keyed by the token (its `jti`, or
   * the digest of its claims when it has none) and the approval's canonical JSON, kept until the token expires.
   */
  consumeApproval(principal: Principal, approval: AuthorizationDetail, now: number, ticket?: { readonly jti: string; readonly exp: number }): Promise<boolean>;
}

export function createOnceLedger(state: SharedState): OnceLedger {
  return {
    claim(principal, coordinate, requirement, now) {
      const event = [principal.issuer ?? '', principal.subject, principal.sessionId ?? '', principal.authTime ?? ''].join('\u0000');
      const until = (principal.authTime ?? now) + (requirement.maxAge ?? 0);
      return state.claim(`once:${event}\u0000${coordinate}`, Math.max(1, until - now + 1) * 1000);
    },
    consumeApproval(principal, approval, now, ticket) {
      // A ticket is used once whatever token redeems it; a token's approval once per token.
      const jti = principal.claims.jti;
      const holder =
        ticket !== undefined
          ? `ticket:${ticket.jti}`
          : typeof jti === 'string' && jti !== ''
            ? `jti:${principal.issuer ?? ''}\u0000${jti}`
            : `claims:${canonicalJson(principal.claims)}`;
      const key = createHash('sha256')
        .update(`${holder}\u0000${canonicalJson(approval)}`, 'utf8')
        .digest('base64url');
      const until = ticket === undefined ? principal.expiresAt : ticket.exp;
      return state.claim(`approval:${key}`, Math.max(1, until - now + 1) * 1000);
    },
  };
}
