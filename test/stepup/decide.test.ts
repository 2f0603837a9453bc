import { describe, expect, it } from 'vitest';
import { decide, type Asker } from '../../src/stepup/decide.js';
import { createLadder } from '../../src/stepup/ladder.js';
import { requirementOf } from '../../src/stepup/requirement.js';

/** The pure decision: one caller, one requirement, one instant; nothing recorded. */
const ladder = createLadder();
const NOW = 1_800_000_000;
const CLAIM = 'can_reauthenticate';
const GOLD = 'urn:mace:incommon:iap:gold';
const gold = (authAge: number, claims: Record<string, unknown> = {}): Asker => ({
  kind: 'principal',
  principal: { acr: GOLD, authTime: NOW - authAge, claims },
});
const high = requirementOf(ladder, { acrValue: 'HIGH' });

describe('decide', () => {
  it('asks an anonymous caller to authenticate', () => {
    expect(decide(ladder, { kind: 'anonymous' }, high, NOW, CLAIM)).toEqual({ kind: 'unauthenticated' });
  });

  it('meets HIGH with a gold token authenticated exactly 300 s ago', () => {
    expect(decide(ladder, gold(300), high, NOW, CLAIM)).toEqual({ kind: 'met' });
  });

  it('asks for a step-up from a gold token authenticated 301 s ago', () => {
    expect(decide(ladder, gold(301), high, NOW, CLAIM)).toEqual({ kind: 'step-up' });
  });

  it('answers impossible for a user who cannot step up', () => {
    expect(decide(ladder, gold(301, { [CLAIM]: false }), high, NOW, CLAIM)).toEqual({ kind: 'impossible' });
  });

  it('lets a user who cannot step up through where the requirement allows it', () => {
    const lenient = requirementOf(ladder, { acrValue: 'HIGH', ifCannotReauthenticate: 'ALLOW' });
    expect(decide(ladder, gold(301, { [CLAIM]: false }), lenient, NOW, CLAIM)).toEqual({ kind: 'met' });
  });

  it('names the missing scopes of a token strong enough', () => {
    const scoped = requirementOf(ladder, { scopes: [['repo:write']] });
    expect(decide(ladder, gold(0, { scope: 'repo:read' }), scoped, NOW, CLAIM)).toEqual({ kind: 'scopes', missing: [['repo:write']] });
  });
});
