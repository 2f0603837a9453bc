import { describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { createRevocations } from '../../src/auth/revocations.js';
import { createMemoryState, type SharedState } from '../../src/state/store.js';

const BOUNDS = { maxTokenLifetime: 86_400, clockTolerance: 60 };
const principal = (claims: Partial<Principal> = {}): Principal =>
  Object.freeze({ subject: 'alice', issuer: 'https://issuer', sessionId: 'session-1', issuedAt: 1_000, expiresAt: 5_000, claims: {}, ...claims });

describe('createRevocations over the in-memory state', () => {
  it('answers at once, and sees a session ended after the same principal was found unrevoked', async () => {
    const revocations = createRevocations(createMemoryState(), BOUNDS);
    const alice = principal();
    expect(revocations.reasonRevokedNow?.(alice)).toBeUndefined();
    await revocations.endSession('https://issuer', 'session-1');
    expect(revocations.reasonRevokedNow?.(alice)).toBe('the session of the token has ended (logout)');
  });

  it('sees a user logged out after the same principal was found unrevoked', async () => {
    const revocations = createRevocations(createMemoryState(), BOUNDS);
    const alice = principal();
    expect(revocations.reasonRevokedNow?.(alice)).toBeUndefined();
    await revocations.logOutUser('https://issuer', 'alice', 1_000);
    expect(revocations.reasonRevokedNow?.(alice)).toBe('the user logged out after the token was issued');
    expect(revocations.reasonRevokedNow?.(principal({ issuedAt: 1_001 }))).toBeUndefined();
  });

  it('gives the same answers as reasonRevoked', async () => {
    const revocations = createRevocations(createMemoryState(), BOUNDS);
    await revocations.endSession('https://issuer', 'session-2');
    for (const p of [principal(), principal({ sessionId: 'session-2' }), principal({ sessionId: undefined })]) {
      expect(revocations.reasonRevokedNow?.(p)).toBe(await revocations.reasonRevoked(p));
    }
  });

  it('has no synchronous answer over a state that is not in this process', () => {
    const { local: _local, ...remote }: SharedState = createMemoryState();
    expect(createRevocations(remote, BOUNDS).reasonRevokedNow).toBeUndefined();
  });
});
