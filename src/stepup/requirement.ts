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
}

/** The arguments of `@isAuthenticated`, as written in the schema. */
export interface RequirementArguments {
  readonly acrValue?: string | undefined;
  readonly maxAge?: number | undefined;
  readonly once?: boolean | undefined;
  readonly ifCannotReauthenticate?: 'REFUSE' | 'ALLOW' | undefined;
}

/**
 * Normalises directive arguments against the ladder: an explicit `maxAge` overrides the level's
 * default max age; otherwise the level's own max age applies. Throws a `TypeError` for a level the
 * ladder does not have, or a max age that is not a non-negative integer.
 */
export function requirementOf(ladder: Ladder, args: RequirementArguments): Requirement {
  const { acrValue, maxAge, once, ifCannotReauthenticate } = args;
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
  return normalised(level, applying, once === true, ifCannotReauthenticate === 'ALLOW');
}

function normalised(level: string | undefined, maxAge: number | undefined, once: boolean, allow: boolean): Requirement {
  const requirement: { level?: string; maxAge?: number; once?: true; allowIfCannotReauthenticate?: true } = {};
  if (level !== undefined) requirement.level = level;
  if (maxAge !== undefined) requirement.maxAge = maxAge;
  if (once) requirement.once = true;
  if (allow) requirement.allowIfCannotReauthenticate = true;
  return requirement;
}

function rankOf(ladder: Ladder, level: string | undefined): number {
  return level === undefined ? -1 : ladder.byName.get(level)!.rank;
}

/** The stricter of two requirements: the higher level, the smaller max age, and once if either is. */
export function combine(ladder: Ladder, a: Requirement, b: Requirement): Requirement {
  const level = rankOf(ladder, a.level) >= rankOf(ladder, b.level) ? a.level : b.level;
  const maxAge =
    a.maxAge === undefined ? b.maxAge : b.maxAge === undefined ? a.maxAge : Math.min(a.maxAge, b.maxAge);
  // Letting users who cannot step up through is a relaxation: it survives only if both sides allow it.
  return normalised(level, maxAge, a.once === true || b.once === true, a.allowIfCannotReauthenticate === true && b.allowIfCannotReauthenticate === true);
}

/** Combines any number of requirements; `undefined` when there are none. */
export function combineAll(ladder: Ladder, requirements: Iterable<Requirement>): Requirement | undefined {
  let strictest: Requirement | undefined;
  for (const requirement of requirements) {
    strictest = strictest === undefined ? requirement : combine(ladder, strictest, requirement);
  }
  return strictest;
}

/**
 * Whether a verified authentication meets a requirement at `now` (seconds since the epoch):
 * its `acr` reaches the level on the ladder, and its `auth_time` is no older than the max age
 * that applies. With the ladder's default max ages this is exactly "the effective level reaches
 * the required level" (see `effectiveLevel`); an explicit max age on the directive replaces the default.
 */
export function satisfies(ladder: Ladder, authentication: Authentication, requirement: Requirement, now: number): boolean {
  if (requirement.level !== undefined) {
    const reached = nominalLevel(ladder, authentication.acr);
    if (reached === undefined || reached.rank < rankOf(ladder, requirement.level)) return false;
  }
  return isFreshEnough(authentication.authTime, requirement.maxAge, now);
}

/** Whether `a` asks at least as much as `b` (a higher or equal level, a max age no longer, once if `b` is). */
export function isAtLeastAsStrict(ladder: Ladder, a: Requirement, b: Requirement): boolean {
  if (rankOf(ladder, a.level) < rankOf(ladder, b.level)) return false;
  if (b.once === true && a.once !== true) return false;
  if (a.allowIfCannotReauthenticate === true && b.allowIfCannotReauthenticate !== true) return false;
  if (b.maxAge === undefined) return true;
  return a.maxAge !== undefined && a.maxAge <= b.maxAge;
}
