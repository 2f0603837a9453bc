import type { Ladder } from './ladder.js';
import type { Requirement, ScopeCondition } from './requirement.js';

/**
 * What a client needs to satisfy an unmet requirement: the parameters of a new authorization
 * request (`acr_values`, `max_age`, RFC 9470 §4) and the level as the schema writes it.
 */
export interface Challenge {
  /** The level as the schema writes it, e.g. `HIGH`; absent when only freshness is asked. */
  readonly requiredAcr?: string;
  /**
   * Space-separated acr strings of every level that satisfies, weakest first, every acr string of each
   * (OIDC Core §3.1.2.1: `acr_values` in order of preference; RFC 9470 §3: any of them will do).
   */
  readonly acrValues?: string;
  /** Seconds: the authentication must be at most this old. */
  readonly maxAge?: number;
}

export function challengeOf(ladder: Ladder, requirement: Requirement): Challenge {
  const challenge: { requiredAcr?: string; acrValues?: string; maxAge?: number } = {};
  if (requirement.level !== undefined) {
    const required = ladder.byName.get(requirement.level)!;
    challenge.requiredAcr = required.name;
    challenge.acrValues = ladder.levels
      .filter((level) => level.rank >= required.rank)
      .flatMap((level) => level.acrs)
      .join(' ');
  }
  if (requirement.maxAge !== undefined) challenge.maxAge = requirement.maxAge;
  return challenge;
}

/**
 * A sentence for humans, used as the error message and as `error_description`. A max age of 0 asks for
 * a new login (OIDC Core §3.1.2.1 `max_age`), not for an authentication "within the last 0 seconds".
 */
export function describeChallenge(challenge: Challenge): string {
  const at = challenge.requiredAcr === undefined ? '' : ` at level ${challenge.requiredAcr}`;
  if (challenge.maxAge === 0) return `A new authentication${at} is required`;
  const age = challenge.maxAge === undefined ? '' : ` within the last ${challenge.maxAge} seconds`;
  return `Authentication${at}${age} is required`;
}

/**
 * RFC 6750 §3: quoted auth-param values may hold only %x20-21 / %x23-5B / %x5D-7E,
 * so `"` and `\` and anything outside printable ASCII are replaced.
 */
function quoted(value: string): string {
  return `"${value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, "'")}"`;
}

/** Formats a `WWW-Authenticate: Bearer …` challenge from auth-params, skipping absent ones. */
export function bearerChallenge(params: Readonly<Record<string, string | number | undefined>>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) parts.push(`${name}=${quoted(String(value))}`);
  }
  return parts.length === 0 ? 'Bearer' : `Bearer ${parts.join(', ')}`;
}

/**
 * RFC 9470 §3: the challenge for a token whose authentication is too weak or too old. `remediation`: the
 * `authorization_remediation` of a call that needs an approval too (see `approval.ts`), so that the one new
 * authorization request asks for both.
 */
export function insufficientAuthenticationChallenge(challenge: Challenge, realm?: string, remediation?: string): string {
  return bearerChallenge({
    realm,
    error: 'insufficient_user_authentication',
    error_description: describeChallenge(challenge),
    acr_values: challenge.acrValues,
    max_age: challenge.maxAge,
    authorization_remediation: remediation,
  });
}

/** RFC 6750 §3.1: the challenge for a token that is not valid. */
export function invalidTokenChallenge(description: string, realm?: string): string {
  return bearerChallenge({ realm, error: 'invalid_token', error_description: description });
}

/**
 * A sentence for humans naming a scope condition: `This needs the scope "repo:admin"`,
 * `This needs the scopes "a" and "b" (or the scope "c")`.
 */
export function describeScopes(condition: ScopeCondition): string {
  const sets = condition.map((set) =>
    set.length === 1
      ? `the scope "${set[0]}"`
      : `the scopes ${set
          .slice(0, -1)
          .map((scope) => `"${scope}"`)
          .join(', ')} and "${set.at(-1)}"`,
  );
  const [first = 'a scope', ...others] = sets;
  return `This needs ${first}${others.length === 0 ? '' : ` (or ${others.join(', or ')})`}`;
}

/**
 * RFC 6750 §3.1: the challenge for a token that is valid and strong enough, but not granted the scopes a
 * field needs (answered with 403). `scope` can name one set only: the first set of the condition, space
 * separated (RFC 6749 §3.3); `error_description` names the others.
 */
export function insufficientScopeChallenge(condition: ScopeCondition, realm?: string): string {
  return bearerChallenge({
    realm,
    error: 'insufficient_scope',
    error_description: describeScopes(condition),
    scope: condition[0]?.join(' '),
  });
}
