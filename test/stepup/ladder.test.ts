import { describe, expect, it } from 'vitest';
import { createLadder, effectiveLevel, nominalLevel } from '../../src/stepup/ladder.js';

const ladder = createLadder();
const NOW = 1_800_000_000;
const GOLD = 'urn:mace:incommon:iap:gold';
const SILVER = 'urn:mace:incommon:iap:silver';
const BRONZE = 'urn:mace:incommon:iap:bronze';

const levelOf = (acr: string | undefined, age: number | undefined) =>
  effectiveLevel(ladder, { acr, authTime: age === undefined ? undefined : NOW - age }, NOW)?.name;

describe('the default ladder', () => {
  it('ranks LOW, MEDIUM, HIGH by the InCommon bronze, silver and gold acr strings', () => {
    expect(ladder.levels.map((level) => [level.name, level.acr, level.maxAge])).toEqual([
      ['LOW', BRONZE, undefined],
      ['MEDIUM', SILVER, 43_200],
      ['HIGH', GOLD, 300],
    ]);
  });

  it('ranks acr strings by the ladder, not lexically', () => {
    // "gold" < "silver" lexically; on the ladder gold is the stronger.
    expect(nominalLevel(ladder, GOLD)!.rank).toBeGreaterThan(nominalLevel(ladder, SILVER)!.rank);
  });
});

describe('decay', () => {
  it('keeps a gold authentication HIGH at exactly 300 seconds', () => {
    expect(levelOf(GOLD, 300)).toBe('HIGH');
  });

  it('demotes a gold authentication to MEDIUM at 301 seconds', () => {
    expect(levelOf(GOLD, 301)).toBe('MEDIUM');
  });

  it('keeps a silver authentication MEDIUM at exactly 43200 seconds', () => {
    expect(levelOf(SILVER, 43_200)).toBe('MEDIUM');
  });

  it('demotes a silver authentication to LOW at 43201 seconds', () => {
    expect(levelOf(SILVER, 43_201)).toBe('LOW');
  });

  it('makes gold from three months ago bronze today', () => {
    expect(levelOf(GOLD, 90 * 86_400)).toBe('LOW');
  });

  it('never raises a token above the level its acr names', () => {
    expect(levelOf(BRONZE, 0)).toBe('LOW');
  });

  it('gives an unknown acr no level', () => {
    expect(levelOf('urn:example:unknown', 0)).toBeUndefined();
  });

  it('gives a token without acr no level', () => {
    expect(levelOf(undefined, 0)).toBeUndefined();
  });

  it('gives a token without auth_time only the levels that have no max age', () => {
    expect(levelOf(GOLD, undefined)).toBe('LOW');
  });

  it('gives no level when every reachable level has a max age and auth_time is missing', () => {
    const strict = createLadder([{ name: 'ONLY', acr: 'a', maxAge: 10 }]);
    expect(effectiveLevel(strict, { acr: 'a' }, NOW)).toBeUndefined();
  });
});

describe('createLadder', () => {
  it('refuses a level name that is not a GraphQL name', () => {
    expect(() => createLadder([{ name: 'very high', acr: 'x' }])).toThrow(
      new TypeError('ladder level #1: "name" must be a GraphQL name such as HIGH'),
    );
  });

  it('refuses two levels with the same acr and names both', () => {
    expect(() => createLadder([{ name: 'A', acr: 'x' }, { name: 'B', acr: 'x' }])).toThrow(
      new TypeError('ladder level B: acr "x" already belongs to A'),
    );
  });

  it('refuses a stronger level that outlives a weaker one', () => {
    expect(() => createLadder([{ name: 'A', acr: 'a', maxAge: 60 }, { name: 'B', acr: 'b', maxAge: 61 }])).toThrow(
      new TypeError('ladder level B: "maxAge" must not exceed that of the weaker level A (60 s)'),
    );
  });

  it('refuses a negative max age', () => {
    expect(() => createLadder([{ name: 'A', acr: 'a', maxAge: -1 }])).toThrow(
      new TypeError('ladder level A: "maxAge" must be a non-negative integer of seconds'),
    );
  });

  it('refuses an empty ladder', () => {
    expect(() => createLadder([])).toThrow(TypeError);
  });
});
