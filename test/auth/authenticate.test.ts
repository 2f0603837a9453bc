import { describe, expect, it } from 'vitest';
import type { Principal, TokenOutcome } from '../../src/auth/principal.js';
import { createRevocations } from '../../src/auth/revocations.js';
import type { TokenVerifier } from '../../src/auth/verifyToken.js';
import { authenticate } from '../../src/auth/authenticate.js';
import { createMemoryState } from '../../src/state/store.js';

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
const ALICE: Principal = Object.freeze({ subject: 'alice', issuer: 'https://issuer', sessionId: 's', expiresAt: 5_000, claims: {} });
const ALICE_OUTCOME: TokenOutcome = Object.freeze({ kind: 'principal', principal: ALICE });

/** A verifier that has `TOKEN` cached: `peek` knows it, `verify` counts the calls that reach it. */
function cachedVerifier(): TokenVerifier & { verified: string[] } {
  const verified: string[] = [];
  return {
    verified,
    peek: (token) => (token === TOKEN ? ALICE_OUTCOME : undefined),
    verify: async (token) => {
      verified.push(token);
      return token === TOKEN ? ALICE_OUTCOME : { kind: 'invalid', reason: 'the token signature does not verify' };
    },
  };
}
const headers = (authorization: string | undefined, raw: string[] = authorization === undefined ? [] : ['Authorization', authorization]) => ({
  headers: authorization === undefined ? {} : { authorization },
  rawHeaders: raw,
});

describe('authenticate', () => {
  it('answers a cached token at once, without verifying it again', () => {
    const verifier = cachedVerifier();
    const answer = authenticate(
      headers(`Bearer ${TOKEN}`),
      '',
      verifier,
      createRevocations(createMemoryState(), { maxTokenLifetime: 86_400, clockTolerance: 60 }),
      'r',
    );
    expect(answer).toEqual({ kind: 'caller', caller: ALICE_OUTCOME });
    expect(verifier.verified).toEqual([]);
  });

  it('still refuses a cached token sent in two Authorization headers', async () => {
    const revocations = createRevocations(createMemoryState(), { maxTokenLifetime: 86_400, clockTolerance: 60 });
    const answer = await authenticate(
      headers(`Bearer ${TOKEN}`, ['Authorization', `Bearer ${TOKEN}`, 'authorization', 'Bearer x']),
      '',
      cachedVerifier(),
      revocations,
      'r',
    );
    expect(answer).toMatchObject({ kind: 'refused', status: 400, code: 'BAD_REQUEST' });
  });

  it('refuses a cached token whose session has ended since its last use', async () => {
    const revocations = createRevocations(createMemoryState(), { maxTokenLifetime: 86_400, clockTolerance: 60 });
    const verifier = cachedVerifier();
    expect(authenticate(headers(`Bearer ${TOKEN}`), '', verifier, revocations, 'r')).toMatchObject({ kind: 'caller' });
    await revocations.endSession('https://issuer', 's');
    expect(authenticate(headers(`Bearer ${TOKEN}`), '', verifier, revocations, 'r')).toMatchObject({ kind: 'refused', status: 401, code: 'UNAUTHENTICATED' });
  });

  it('reads a header that is not exactly "Bearer <token>" the slow way, with the same answer', async () => {
    const revocations = createRevocations(createMemoryState(), { maxTokenLifetime: 86_400, clockTolerance: 60 });
    const verifier = cachedVerifier();
    expect(await authenticate(headers(`bearer  ${TOKEN} `), '', verifier, revocations, 'r')).toEqual({ kind: 'caller', caller: ALICE_OUTCOME });
    expect(verifier.verified).toEqual([TOKEN]);
  });

  it('refuses a malformed header before any token is looked at', async () => {
    const verifier = cachedVerifier();
    const answer = await authenticate(
      headers(`Bearer ${TOKEN} x`),
      '',
      verifier,
      createRevocations(createMemoryState(), { maxTokenLifetime: 86_400, clockTolerance: 60 }),
      'r',
    );
    expect([answer.kind, verifier.verified]).toEqual(['refused', []]);
  });
});
