import { describe, expect, it } from 'vitest';
import { createLadder } from '../../src/stepup/ladder.js';
import { combine, combineAll, isAtLeastAsStrict, requirementOf, satisfies } from '../../src/stepup/requirement.js';

const ladder = createLadder();
const NOW = 1_800_000_000;
const GOLD = 'urn:mace:incommon:iap:gold';
const SILVER = 'urn:mace:incommon:iap:silver';

describe('requirementOf', () => {
  it('takes the level default max age when the directive has none', () => {
    expect(requirementOf(ladder, { acrValue: 'HIGH' })).toEqual({ level: 'HIGH', maxAge: 300 });
  });

  it('lets an explicit max age override the level default', () => {
    expect(requirementOf(ladder, { acrValue: 'HIGH', maxAge: 60 })).toEqual({ level: 'HIGH', maxAge: 60 });
  });

  it('asks only for a valid token when the directive has no argument', () => {
    expect(requirementOf(ladder, {})).toEqual({});
  });

  it('names the known levels when the level is unknown', () => {
    expect(() => requirementOf(ladder, { acrValue: 'ULTRA' })).toThrow(new TypeError('unknown ACR level "ULTRA"; the ladder has LOW, MEDIUM, HIGH'));
  });
});

describe('combine', () => {
  it('keeps the higher level and the smaller max age', () => {
    expect(combine(ladder, { level: 'HIGH', maxAge: 300 }, { level: 'MEDIUM', maxAge: 60 })).toEqual({ level: 'HIGH', maxAge: 60 });
  });

  it('keeps a max age when only one side has one', () => {
    expect(combine(ladder, {}, { maxAge: 60 })).toEqual({ maxAge: 60 });
  });

  it('is the identity for a bare requirement', () => {
    expect(combine(ladder, {}, { level: 'LOW' })).toEqual({ level: 'LOW' });
  });

  it('combines nothing into undefined', () => {
    expect(combineAll(ladder, [])).toBeUndefined();
  });
});

describe('satisfies', () => {
  const high = requirementOf(ladder, { acrValue: 'HIGH' });

  it('accepts gold authenticated exactly 300 seconds ago for HIGH', () => {
    expect(satisfies(ladder, { acr: GOLD, authTime: NOW - 300 }, high, NOW)).toBe(true);
  });

  it('refuses gold authenticated 301 seconds ago for HIGH', () => {
    expect(satisfies(ladder, { acr: GOLD, authTime: NOW - 301 }, high, NOW)).toBe(false);
  });

  it('refuses silver for HIGH however fresh', () => {
    expect(satisfies(ladder, { acr: SILVER, authTime: NOW }, high, NOW)).toBe(false);
  });

  it('accepts any token for a bare requirement, even with an unknown acr', () => {
    expect(satisfies(ladder, { acr: 'urn:example:unknown' }, {}, NOW)).toBe(true);
  });

  it('refuses a token without auth_time when a max age applies', () => {
    expect(satisfies(ladder, { acr: GOLD }, { maxAge: 3600 }, NOW)).toBe(false);
  });

  it('honours an explicit max age of 60 seconds at the boundary', () => {
    const update = requirementOf(ladder, { acrValue: 'HIGH', maxAge: 60 });
    expect([satisfies(ladder, { acr: GOLD, authTime: NOW - 60 }, update, NOW), satisfies(ladder, { acr: GOLD, authTime: NOW - 61 }, update, NOW)]).toEqual([
      true,
      false,
    ]);
  });
});

describe('isAtLeastAsStrict', () => {
  it('finds HIGH stricter than MEDIUM', () => {
    expect(isAtLeastAsStrict(ladder, { level: 'HIGH', maxAge: 300 }, { level: 'MEDIUM', maxAge: 43_200 })).toBe(true);
  });

  it('finds a longer max age weaker at the same level', () => {
    expect(isAtLeastAsStrict(ladder, { level: 'HIGH', maxAge: 600 }, { level: 'HIGH', maxAge: 300 })).toBe(false);
  });
});
