/**
 * The ACR ladder: named levels, ordered from weakest to strongest, each mapped to the
 * `acr` strings an OpenID Provider puts in its tokens (OIDC Core §2, the `acr` claim) and
 * optionally given a max age after which an authentication no longer counts at that level.
 *
 * acr strings are opaque URIs: they are never compared lexically, only ranked by the ladder.
 */

/** One rung of the ladder, as configured. */
export interface LevelDefinition {
  /** The name the schema writes, e.g. `HIGH` in `@isAuthenticated(acrValue: HIGH)`. */
  readonly name: string;
  /**
   * The `acr` string the identity provider issues for this level, or several: a provider may issue more
   * acr values than the organisation has levels (LemonLDAP::NG's `loa-3` and `loa-4` may both be HIGH).
   * Each reaches this level, and a challenge asks for all of them.
   */
  readonly acr: string | readonly string[];
  /** Seconds after `auth_time` during which a token still counts at this level. No limit when absent. */
  readonly maxAge?: number | undefined;
}

/** A level placed on a ladder; `rank` 0 is the weakest. */
export interface Level {
  readonly name: string;
  /** The first of `acrs`: the one to name when a single acr string is wanted (minting a dev token). */
  readonly acr: string;
  /** Every acr string that reaches this level, in configured order; never empty. */
  readonly acrs: readonly string[];
  readonly maxAge?: number | undefined;
  readonly rank: number;
}

export interface Ladder {
  /** Weakest first. */
  readonly levels: readonly Level[];
  readonly byName: ReadonlyMap<string, Level>;
  readonly byAcr: ReadonlyMap<string, Level>;
}

/** The InCommon Identity Assurance Profiles, the ladder used when none is configured. */
export const DEFAULT_LEVELS: readonly LevelDefinition[] = Object.freeze([
  { name: 'LOW', acr: 'urn:mace:incommon:iap:bronze' },
  { name: 'MEDIUM', acr: 'urn:mace:incommon:iap:silver', maxAge: 43_200 },
  { name: 'HIGH', acr: 'urn:mace:incommon:iap:gold', maxAge: 300 },
]);

const LEVEL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/**
 * Builds a ladder from its levels, weakest first. Throws a `TypeError` naming the bad level when
 * the definition cannot be a ladder: a name that is not a GraphQL name, a duplicate name, an acr
 * string used twice (in one level or in two: a token's `acr` must name one level), an empty list of
 * acr strings, a max age that is not a non-negative integer, or a stronger level that outlives a
 * weaker one (that would let decay promote a token instead of demoting it).
 */
export function createLadder(definitions: readonly LevelDefinition[] = DEFAULT_LEVELS): Ladder {
  if (!Array.isArray(definitions) || definitions.length === 0) {
    throw new TypeError('"ladder" must be a non-empty array of levels, weakest first');
  }
  const levels: Level[] = [];
  const byName = new Map<string, Level>();
  const byAcr = new Map<string, Level>();
  for (const [rank, definition] of definitions.entries()) {
    const { name, acr, maxAge } = definition ?? {};
    if (typeof name !== 'string' || !LEVEL_NAME.test(name)) {
      throw new TypeError(`ladder level #${rank + 1}: "name" must be a GraphQL name such as HIGH`);
    }
    const acrs = acrsOf(name, acr);
    if (maxAge !== undefined && !(Number.isSafeInteger(maxAge) && maxAge >= 0)) {
      throw new TypeError(`ladder level ${name}: "maxAge" must be a non-negative integer of seconds`);
    }
    if (byName.has(name)) throw new TypeError(`ladder level ${name} is defined twice`);
    for (const one of acrs) {
      const owner = byAcr.get(one);
      if (owner !== undefined) throw new TypeError(`ladder level ${name}: acr "${one}" already belongs to ${owner.name}`);
    }
    const weaker = levels.at(-1);
    if (weaker?.maxAge !== undefined && (maxAge === undefined || maxAge > weaker.maxAge)) {
      throw new TypeError(`ladder level ${name}: "maxAge" must not exceed that of the weaker level ${weaker.name} (${weaker.maxAge} s)`);
    }
    const level: Level = Object.freeze({ name, acr: acrs[0]!, acrs, maxAge, rank });
    levels.push(level);
    byName.set(name, level);
    for (const one of acrs) byAcr.set(one, level);
  }
  return Object.freeze({ levels: Object.freeze(levels), byName, byAcr });
}

/**
 * A level's acr strings as a frozen non-empty list: one string is a list of one. Throws a `TypeError`
 * naming the level for anything else, or for a string listed twice.
 */
function acrsOf(name: string, acr: unknown): readonly string[] {
  const list: unknown[] = Array.isArray(acr) ? acr : [acr];
  if (list.length === 0 || !list.every((one) => typeof one === 'string' && one.length > 0)) {
    throw new TypeError(`ladder level ${name}: "acr" must be a non-empty string or a non-empty list of them`);
  }
  const acrs = list as string[];
  const twice = acrs.find((one, index) => acrs.indexOf(one) !== index);
  if (twice !== undefined) throw new TypeError(`ladder level ${name}: acr "${twice}" is listed twice`);
  return Object.freeze([...acrs]);
}

/** What the decay rule needs to know about an authentication. */
export interface Authentication {
  /** The token's `acr` claim. */
  readonly acr?: string | undefined;
  /** The token's `auth_time` claim, seconds since the epoch. */
  readonly authTime?: number | undefined;
}

/** The level the token's `acr` names, before decay; `undefined` for an acr the ladder does not know. */
export function nominalLevel(ladder: Ladder, acr: string | undefined): Level | undefined {
  return acr === undefined ? undefined : ladder.byAcr.get(acr);
}

/**
 * Whether an authentication at `authTime` is at most `maxAge` seconds old at `now`.
 * Exactly `maxAge` seconds old still counts. Without `auth_time` the age is unknown and
 * only "no limit" is met.
 */
export function isFreshEnough(authTime: number | undefined, maxAge: number | undefined, now: number): boolean {
  if (maxAge === undefined) return true;
  if (authTime === undefined) return false;
  return now - authTime <= maxAge;
}

/**
 * Decay: the highest level that the token's `acr` reaches and whose max age its `auth_time`
 * still meets at `now` (seconds). Gold three months ago is bronze today.
 * `undefined` when no level qualifies (an unknown acr, or every reachable level has decayed).
 */
export function effectiveLevel(ladder: Ladder, authentication: Authentication, now: number): Level | undefined {
  const reached = nominalLevel(ladder, authentication.acr);
  if (reached === undefined) return undefined;
  for (let rank = reached.rank; rank >= 0; rank--) {
    const level = ladder.levels[rank]!;
    if (isFreshEnough(authentication.authTime, level.maxAge, now)) return level;
  }
  return undefined;
}
