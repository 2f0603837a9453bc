import type { Authentication, Ladder } from './ladder.js';
import { satisfiesAuthentication, unmetScopes, type Grant, type Requirement, type ScopeCondition } from './requirement.js';

/**
 * The engine's answer for one caller, one requirement, one instant: pure, recording nothing. What a request
 * does with it (the error, the challenge header, the audit event, a `once` claim) is the caller's step.
 *
 * Authentication comes first: an anonymous caller is `unauthenticated`, a token too weak or too old needs a
 * `step-up` (RFC 9470), whatever scopes it has; a user who cannot step up gets no challenge they cannot
 * answer (`impossible`), unless the requirement allows them. Only a token strong enough is checked for
 * scopes: a missing one is `scopes`, which re-authenticating does not grant (RFC 6750 §3.1).
 */
export type Verdict =
  | { readonly kind: 'met' }
  | { readonly kind: 'unauthenticated' }
  | { readonly kind: 'step-up' }
  | { readonly kind: 'impossible' }
  | { readonly kind: 'scopes'; readonly missing: ScopeCondition };

/** Who is asking, as the decision reads them: nobody, or a verified token's authentication and claims. */
export type Asker = { readonly kind: 'anonymous' } | { readonly kind: 'principal'; readonly principal: Authentication & Grant };

const MET: Verdict = Object.freeze({ kind: 'met' });
const UNAUTHENTICATED: Verdict = Object.freeze({ kind: 'unauthenticated' });
const STEP_UP: Verdict = Object.freeze({ kind: 'step-up' });
const IMPOSSIBLE: Verdict = Object.freeze({ kind: 'impossible' });

export function decide(ladder: Ladder, asker: Asker, requirement: Requirement, now: number, canReauthenticateClaim: string): Verdict {
  if (asker.kind === 'anonymous') return UNAUTHENTICATED;
  const { principal } = asker;
  if (!satisfiesAuthentication(ladder, principal, requirement, now)) {
    if (principal.claims?.[canReauthenticateClaim] !== false) return STEP_UP;
    if (requirement.allowIfCannotReauthenticate !== true) return IMPOSSIBLE;
  }
  const missing = unmetScopes(principal, requirement);
  return missing === undefined ? MET : { kind: 'scopes', missing };
}
