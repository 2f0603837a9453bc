import { describe, expect, it } from 'vitest';
import { bearerChallenge, challengeOf, describeChallenge, insufficientAuthenticationChallenge, invalidTokenChallenge } from '../../src/stepup/challenge.js';
import { createLadder } from '../../src/stepup/ladder.js';

const ladder = createLadder();

describe('challengeOf', () => {
  it('lists every satisfying acr, lowest first, for MEDIUM', () => {
    expect(challengeOf(ladder, { level: 'MEDIUM', maxAge: 43_200 })).toEqual({
      requiredAcr: 'MEDIUM',
      acrValues: 'urn:mace:incommon:iap:silver urn:mace:incommon:iap:gold',
      maxAge: 43_200,
    });
  });

  it('omits maxAge when none applies', () => {
    expect(challengeOf(ladder, { level: 'LOW' })).toEqual({
      requiredAcr: 'LOW',
      acrValues: 'urn:mace:incommon:iap:bronze urn:mace:incommon:iap:silver urn:mace:incommon:iap:gold',
    });
  });

  it('lists every acr string of every satisfying level, weakest first', () => {
    const lemon = createLadder([
      { name: 'LOW', acr: ['loa-1', 'loa-2'] },
      { name: 'MEDIUM', acr: 'loa-3', maxAge: 3600 },
      { name: 'HIGH', acr: ['loa-4', 'loa-5'], maxAge: 300 },
    ]);
    expect(challengeOf(lemon, { level: 'MEDIUM', maxAge: 3600 }).acrValues).toBe('loa-3 loa-4 loa-5');
  });

  it('asks only for freshness when the requirement has no level', () => {
    expect(challengeOf(ladder, { maxAge: 60 })).toEqual({ maxAge: 60 });
  });
});

describe('WWW-Authenticate challenges', () => {
  it('formats the RFC 9470 challenge with acr_values and max_age', () => {
    expect(insufficientAuthenticationChallenge(challengeOf(ladder, { level: 'HIGH', maxAge: 300 }), 'guthib')).toBe(
      'Bearer realm="guthib", error="insufficient_user_authentication", ' +
        'error_description="Authentication at level HIGH within the last 300 seconds is required", ' +
        'acr_values="urn:mace:incommon:iap:gold", max_age="300"',
    );
  });

  it('describes a max age of 0 as a new authentication', () => {
    expect(describeChallenge({ requiredAcr: 'HIGH', maxAge: 0 })).toBe('A new authentication at level HIGH is required');
  });

  it('keeps double quotes and backslashes out of quoted values (RFC 6750 §3)', () => {
    expect(invalidTokenChallenge('a "quoted" \\ value\n')).toBe(`Bearer error="invalid_token", error_description="a 'quoted' ' value'"`);
  });

  it('is a bare Bearer challenge without parameters', () => {
    expect(bearerChallenge({ realm: undefined })).toBe('Bearer');
  });
});
