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

describe('a level with several acr strings', () => {
  // LemonLDAP::NG issues `loa-<authentication level>`: more acr values than an organisation has levels.
  const lemon = () =>
    createLadder([
      { name: 'LOW', acr: ['loa-1', 'loa-2'] },
      { name: 'HIGH', acr: ['loa-3', 'loa-4'], maxAge: 300 },
    ]);

  it('ranks a token carrying any of its acr strings at that level', () => {
    expect(['loa-1', 'loa-2', 'loa-3', 'loa-4'].map((acr) => nominalLevel(lemon(), acr)?.name)).toEqual(['LOW', 'LOW', 'HIGH', 'HIGH']);
  });

  it('keeps every acr string of the level in order, the first as its acr', () => {
    expect(lemon().byName.get('HIGH')).toMatchObject({ acr: 'loa-3', acrs: ['loa-3', 'loa-4'] });
  });

  it('gives a level written with one acr string a list of one', () => {
    expect(ladder.byName.get('HIGH')!.acrs).toEqual([GOLD]);
  });

  it('decays a token with the second acr string like the first', () => {
    expect(effectiveLevel(lemon(), { acr: 'loa-4', authTime: NOW - 301 }, NOW)?.name).toBe('LOW');
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
    expect(() => createLadder([{ name: 'very high', acr: 'x' }])).toThrow(new TypeError('ladder level #1: "name" must be a GraphQL name such as HIGH'));
  });

  it('refuses two levels with the same acr and names both', () => {
    expect(() =>
      createLadder([
        { name: 'A', acr: 'x' },
        { name: 'B', acr: 'x' },
      ]),
    ).toThrow(new TypeError('ladder level B: acr "x" already belongs to A'));
  });

  it('refuses an acr string listed twice in one level and names the level', () => {
    expect(() => createLadder([{ name: 'A', acr: ['x', 'y', 'x'] }])).toThrow(new TypeError('ladder level A: acr "x" is listed twice'));
  });

  it('refuses an acr string that a list gives to a second level and names both', () => {
    expect(() =>
      createLadder([
        { name: 'A', acr: ['x', 'y'] },
        { name: 'B', acr: ['z', 'y'] },
      ]),
    ).toThrow(new TypeError('ladder level B: acr "y" already belongs to A'));
  });

  it('refuses a level with an empty list of acr strings and names it', () => {
    expect(() => createLadder([{ name: 'A', acr: [] }])).toThrow(new TypeError('ladder level A: "acr" must be a non-empty string or a non-empty list of them'));
  });

  it('refuses an empty string in a list of acr strings and names the level', () => {
    expect(() => createLadder([{ name: 'A', acr: ['x', ''] }])).toThrow(
      new TypeError('ladder level A: "acr" must be a non-empty string or a non-empty list of them'),
    );
  });

  it('refuses a stronger level that outlives a weaker one', () => {
    expect(() =>
      createLadder([
        { name: 'A', acr: 'a', maxAge: 60 },
        { name: 'B', acr: 'b', maxAge: 61 },
      ]),
    ).toThrow(new TypeError('ladder level B: "maxAge" must not exceed that of the weaker level A (60 s)'));
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
