import { describe, expect, it } from 'vitest';
import { ago, sessionBanner } from '../../src/demo/banner.js';
import { createLadder } from '../../src/stepup/ladder.js';
import { GOLD, SILVER, T0 } from '../helpers/gateway.js';

const ladder = createLadder();
const DAY = 86_400;

describe("the demo's session banner", () => {
  it('says a gold sign-in of three months ago has decayed to LOW', () => {
    expect(sessionBanner(ladder, { acr: GOLD, auth_time: T0 - 90 * DAY }, T0)).toEqual({
      kind: 'decayed',
      text: 'Signed in 3 months ago: sensitive actions will ask you to confirm it is you.',
      level: 'LOW',
      nominal: 'HIGH',
    });
  });

  it('keeps gold at HIGH at exactly 300 s, and says it decayed one second later', () => {
    expect(sessionBanner(ladder, { acr: GOLD, auth_time: T0 - 300 }, T0)).toMatchObject({
      kind: 'fresh',
      text: 'Signed in 5 min ago: HIGH for another 0 s.',
      level: 'HIGH',
    });
    expect(sessionBanner(ladder, { acr: GOLD, auth_time: T0 - 301 }, T0)).toMatchObject({
      kind: 'decayed',
      text: 'Signed in 5 min 1 s ago: sensitive actions will ask you to confirm it is you.',
      level: 'MEDIUM',
    });
  });

  it('counts down a fresh password sign-in', () => {
    expect(sessionBanner(ladder, { acr: SILVER, auth_time: T0 - 2 }, T0).text).toBe('Signed in just now: MEDIUM for another 11 h 59 min.');
  });

  it('says when the sign-in happened in the largest unit that fits', () => {
    expect([ago(42), ago(90), ago(3 * 3600), ago(3 * DAY), ago(400 * DAY)]).toEqual(['42 s ago', '1 min 30 s ago', '3 h ago', '3 days ago', '1 year ago']);
  });
});
