import { describe, expect, it } from 'vitest';
import {
  bearerChallenge,
  challengeOf,
  insufficientAuthenticationChallenge,
  invalidTokenChallenge,
} from '../../src/stepup/challenge.js';
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

  it('keeps double quotes and backslashes out of quoted values (RFC 6750 §3)', () => {
    expect(invalidTokenChallenge('a "quoted" \\ value\n')).toBe(`Bearer error="invalid_token", error_description="a 'quoted' ' value'"`);
  });

  it('is a bare Bearer challenge without parameters', () => {
    expect(bearerChallenge({ realm: undefined })).toBe('Bearer');
  });
});
