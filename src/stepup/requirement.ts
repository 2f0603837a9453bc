import { isFreshEnough, nominalLevel, type Authentication, type Ladder } from './ladder.js';

/**
 * What a schema coordinate asks of the caller's authentication. `{}` asks only for a valid token.
 * Requirements are kept normalised: `maxAge` is the max age that applies, whether it was written
 * on the directive or comes from the level's default on the ladder.
 */
export interface Requirement {
  /** Name of the ladder level the token's `acr` must reach. */
  readonly level?: string | undefined;
  /** Seconds since `auth_time` beyond which the authentication is too old. */
  readonly maxAge?: number | undefined;
  /** A fresh authentication serves one execution only (a transaction's step-up). */
  readonly once?: true | undefined;
  /** Let users who cannot step up through instead of refusing them with STEP_UP_IMPOSSIBLE. */
  readonly allowIfCannotReauthenticate?: true | undefined;
  /**
   * Scope conditions, every one of which the token's granted scopes must meet. Each condition is an OR of
   * ANDs, as Apollo Router's `@requiresScopes(scopes: [["a", "b"], ["c"]])` writes it: `a` and `b`, or `c`.
   * Absent when no scope is asked.
   */
  readonly scopes?: ScopeConditions | undefined;
}

/** An OR of ANDs of scope tokens: `[["a", "b"], ["c"]]` is met by a token granted `a` and `b`, or `c`. */
export type ScopeCondition = ReadonlyArray<ReadonlyArray<string>>;
/** Conditions that must all hold. */
export type ScopeConditions = ReadonlyArray<ScopeCondition>;

/** The arguments of `@isAuthenticated`, as written in the schema. */
export interface RequirementArguments {
  readonly acrValue?: string | undefined;
  readonly maxAge?: number | undefined;
  readonly once?: boolean | undefined;
  readonly ifCannotReauthenticate?: 'REFUSE' | 'ALLOW' | undefined;
  /** The `scopes` of `@requiresScopes`: one condition, an OR of ANDs of scope tokens. */
  readonly scopes?: ScopeCondition | undefined;
}

/**
 * Normalises directive arguments against the ladder: an explicit `maxAge` overrides the level's
 * default max age; otherwise the level's own max age applies. Throws a `TypeError` for a level the
 * ladder does not have, a max age that is not a non-negative integer, or scopes that are not scope
 * tokens (RFC 6749 §3.3) or list no set at all.
 */
export function requirementOf(ladder: Ladder, args: RequirementArguments): Requirement {
  const { acrValue, maxAge, once, ifCannotReauthenticate } = args;
  const scopes = args.scopes === undefined ? undefined : scopeConditionOf(args.scopes);
  if (maxAge !== undefined && !(Number.isSafeInteger(maxAge) && maxAge >= 0)) {
    throw new TypeError(`"maxAge" must be a non-negative integer of seconds, got ${String(maxAge)}`);
  }
  let level: string | undefined;
  if (acrValue !== undefined) {
    const known = ladder.byName.get(acrValue);
    if (known === undefined) {
      throw new TypeError(`unknown ACR level "${acrValue}"; the ladder has ${ladder.levels.map((l) => l.name).join(', ')}`);
    }
    level = known.name;
  }
  const applying = maxAge ?? (level === undefined ? undefined : ladder.byName.get(level)!.maxAge);
  if (once === true && applying === undefined) {
    throw new TypeError('"once" needs a max age (on the directive or the level): a step-up is consumed until it runs out');
  }
  return normalised(level, applying, once === true, ifCannotReauthenticate === 'ALLOW', scopes === undefined ? [] : [scopes]);
}

function normalised(level: string | undefined, maxAge: number | undefined, once: boolean, allow: boolean, scopes: ScopeConditions): Requirement {
  const requirement: { level?: string; maxAge?: number; once?: true; allowIfCannotReauthenticate?: true; scopes?: ScopeConditions } = {};
  if (level !== undefined) requirement.level = level;
  if (maxAge !== undefined) requirement.maxAge = maxAge;
  if (once) requirement.once = true;
  if (allow) requirement.allowIfCannotReauthenticate = true;
  if (scopes.length > 0) requirement.scopes = scopes;
  return requirement;
}

/** RFC 6749 §3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * One condition as written, deduplicated: repeated scopes in a set and repeated sets go, the order stays
 * (the first set is the one a challenge names). A condition with an empty set is met by any token, so it is
 * no condition at all (`[]`); a condition with no set could never be met, and is a mistake in the schema.
 */
function scopeConditionOf(written: ScopeCondition): ScopeCondition | undefined {
  if (written.length === 0) throw new TypeError('"scopes" must list at least one set of scopes');
  const sets: string[][] = [];
  const seen = new Set<string>();
  for (const set of written) {
    for (const scope of set) {
      if (!SCOPE_TOKEN.test(scope)) throw new TypeError(`"scopes" holds ${JSON.stringify(scope)}, which is not a scope token (RFC 6749 §3.3)`);
    }
    const unique = [...new Set(set)];
    if (unique.length === 0) return undefined;
    const key = [...unique].sort().join(' ');
    if (seen.has(key)) continue;
    seen.add(key);
    sets.push(unique);
  }
  return Object.freeze(sets.map((set) => Object.freeze(set)));
}

/** The same condition whatever the order of its sets and of the scopes in each. */
function conditionKey(condition: ScopeCondition): string {
  return JSON.stringify(condition.map((set) => [...set].sort()).sort((a, b) => a.join(' ').localeCompare(b.join(' '))));
}

/** Every condition of both, each once. */
function bothScopes(a: ScopeConditions | undefined, b: ScopeConditions | undefined): ScopeConditions {
  const conditions: ScopeCondition[] = [];
  const seen = new Set<string>();
  for (const condition of [...(a ?? []), ...(b ?? [])]) {
    const key = conditionKey(condition);
    if (seen.has(key)) continue;
    seen.add(key);
    conditions.push(condition);
  }
  return conditions;
}

function rankOf(ladder: Ladder, level: string | undefined): number {
  return level === undefined ? -1 : ladder.byName.get(level)!.rank;
}

/**
 * The stricter of two requirements: the higher level, the smaller max age, once if either is, and the
 * scope conditions of both.
 */
export function combine(ladder: Ladder, a: Requirement, b: Requirement): Requirement {
  const level = rankOf(ladder, a.level) >= rankOf(ladder, b.level) ? a.level : b.level;
  const maxAge = a.maxAge === undefined ? b.maxAge : b.maxAge === undefined ? a.maxAge : Math.min(a.maxAge, b.maxAge);
  // Letting users who cannot step up through is a relaxation: it survives only if both sides allow it.
  return normalised(
    level,
    maxAge,
    a.once === true || b.once === true,
    a.allowIfCannotReauthenticate === true && b.allowIfCannotReauthenticate === true,
    bothScopes(a.scopes, b.scopes),
  );
}

/** Combines any number of requirements; `undefined` when there are none. */
export function combineAll(ladder: Ladder, requirements: Iterable<Requirement>): Requirement | undefined {
  let strictest: Requirement | undefined;
  for (const requirement of requirements) {
    strictest = strictest === undefined ? requirement : combine(ladder, strictest, requirement);
  }
  return strictest;
}

/** What a verified token grants: its claims, where `scope` (or `scp`) lists the granted scopes. */
export interface Grant {
  readonly claims?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Whether a verified token meets a requirement at `now` (seconds since the epoch): its authentication
 * (see `satisfiesAuthentication`) and its granted scopes (see `unmetScopes`).
 */
export function satisfies(ladder: Ladder, authentication: Authentication & Grant, requirement: Requirement, now: number): boolean {
  return satisfiesAuthentication(ladder, authentication, requirement, now) && unmetScopes(authentication, requirement) === undefined;
}

/**
 * Whether a verified authentication meets a requirement's level and max age at `now` (seconds since the epoch):
 * its `acr` reaches the level on the ladder, and its `auth_time` is no older than the max age
 * that applies. With the ladder's default max ages this is exactly "the effective level reaches
 * the required level" (see `effectiveLevel`); an explicit max age on the directive replaces the default.
 * Scopes are not looked at.
 */
export function satisfiesAuthentication(ladder: Ladder, authentication: Authentication, requirement: Requirement, now: number): boolean {
  if (requirement.level !== undefined) {
    const reached = nominalLevel(ladder, authentication.acr);
    if (reached === undefined || reached.rank < rankOf(ladder, requirement.level)) return false;
  }
  return isFreshEnough(authentication.authTime, requirement.maxAge, now);
}

/**
 * The scopes a token grants: RFC 9068 §2.2.3 and RFC 8693 §4.2 `scope`, space-separated; or `scp`, an array of
 * strings (or a space-separated string) as some providers issue it. Both are read when both are present.
 */
export function grantedScopes(grant: Grant): ReadonlySet<string> {
  const granted = new Set<string>();
  for (const claim of [grant.claims?.['scope'], grant.claims?.['scp']]) {
    const values = typeof claim === 'string' ? claim.split(' ') : Array.isArray(claim) ? claim : [];
    for (const value of values) if (typeof value === 'string' && value !== '') granted.add(value);
  }
  return granted;
}

/** The first scope condition of the requirement that the token's granted scopes do not meet; `undefined` when all are met. */
export function unmetScopes(grant: Grant, requirement: Requirement): ScopeCondition | undefined {
  if (requirement.scopes === undefined) return undefined;
  const granted = grantedScopes(grant);
  return requirement.scopes.find((condition) => !condition.some((set) => set.every((scope) => granted.has(scope))));
}

/**
 * Whether `a` asks at least as much as `b` (a higher or equal level, a max age no longer, once if `b` is,
 * and every scope condition of `b` implied by one of `a`'s).
 */
export function isAtLeastAsStrict(ladder: Ladder, a: Requirement, b: Requirement): boolean {
  if (rankOf(ladder, a.level) < rankOf(ladder, b.level)) return false;
  if (!(b.scopes ?? []).every((condition) => (a.scopes ?? []).some((stricter) => implies(stricter, condition)))) return false;
  if (b.once === true && a.once !== true) return false;
  if (a.allowIfCannotReauthenticate === true && b.allowIfCannotReauthenticate !== true) return false;
  if (b.maxAge === undefined) return true;
  return a.maxAge !== undefined && a.maxAge <= b.maxAge;
}

/**
 * Whether meeting `a` always meets `b`: every set of `a` holds some set of `b`. Sufficient, not necessary
 * (two conditions of `a` together may imply `b` without either alone), so a caller may see a change as
 * weaker, or an error as new, when it is not: the safe side.
 */
function implies(a: ScopeCondition, b: ScopeCondition): boolean {
  return a.every((set) => b.some((weaker) => weaker.every((scope) => set.includes(scope))));
}
