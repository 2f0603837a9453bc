import type { JWTVerifyGetKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverKeys } from '../../src/auth/discoverKeys.js';
import { createTokenVerifier } from '../../src/auth/verifyToken.js';
import { GOLD, T0 } from '../helpers/gateway.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';

let now = T0;
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startTestIssuer({ now: () => now });
});
afterAll(() => issuer.close());

/** Counts how often the verifier asks for a key: once per signature check. */
function counted(keys: JWTVerifyGetKey): { keys: JWTVerifyGetKey; calls: () => number } {
  let calls = 0;
  return {
    keys: (header, token) => {
      calls += 1;
      return keys(header, token);
    },
    calls: () => calls,
  };
}

const verifierWith = (keys: JWTVerifyGetKey, cacheSize?: number) =>
  createTokenVerifier({ issuer: issuer.issuer, audience: issuer.audience, keys, clock: () => now, cacheSize });

describe('createTokenVerifier', () => {
  it('turns a valid token into a principal with sub, acr, auth_time and client_id', async () => {
    now = T0;
    const verifier = verifierWith(discoverKeys(issuer.issuer));
    const outcome = await verifier.verify(await issuer.sign({ acr: GOLD, auth_time: T0 - 5 }));
    expect(outcome).toMatchObject({
      kind: 'principal',
      principal: { subject: 'alice', acr: GOLD, authTime: T0 - 5, clientId: 'guthib-web', expiresAt: T0 + 3600 },
    });
  });

  it('checks a signature once for a token presented many times', async () => {
    now = T0;
    const keys = counted(discoverKeys(issuer.issuer));
    const verifier = verifierWith(keys.keys);
    const token = await issuer.sign({ acr: GOLD });
    for (let i = 0; i < 5; i++) await verifier.verify(token);
    expect(keys.calls()).toBe(1);
  });

  it('does not serve a cached token past its exp', async () => {
    now = T0;
    const verifier = verifierWith(discoverKeys(issuer.issuer));
    const token = await issuer.sign({ exp: T0 + 10 });
    await verifier.verify(token);
    now = T0 + 10 + 61;
    expect(await verifier.verify(token)).toEqual({ kind: 'invalid', reason: 'the token has expired' });
  });

  it('evicts the least recently used token when the cache is full', async () => {
    now = T0;
    const keys = counted(discoverKeys(issuer.issuer));
    const verifier = verifierWith(keys.keys, 2);
    const [a, b, c] = await Promise.all([issuer.sign({ sub: 'a' }), issuer.sign({ sub: 'b' }), issuer.sign({ sub: 'c' })]);
    for (const token of [a, b, c, a]) await verifier.verify(token);
    expect(keys.calls()).toBe(4);
  });

  it('keeps a token read since it was stored over one that was not, when the cache is full', async () => {
    now = T0;
    const keys = counted(discoverKeys(issuer.issuer));
    const verifier = verifierWith(keys.keys, 2);
    const [a, b, c] = await Promise.all([issuer.sign({ sub: 'a' }), issuer.sign({ sub: 'b' }), issuer.sign({ sub: 'c' })]);
    for (const token of [a, b, a, c, a]) await verifier.verify(token);
    expect(keys.calls()).toBe(3);
  });

  it('answers a cached token at once with peek, and an unknown one with undefined', async () => {
    now = T0;
    const verifier = verifierWith(discoverKeys(issuer.issuer));
    const token = await issuer.sign({ acr: GOLD });
    expect(verifier.peek?.(token)).toBeUndefined();
    const verified = await verifier.verify(token);
    // A copy of the token, as the next request carries it: found by content, not by identity.
    expect(verifier.peek?.(` ${token}`.slice(1))).toEqual(verified);
    // Another last character than the token's own (a fixed one would match it one time in 64).
    expect(verifier.peek?.(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
  });

  it('holds a peeked token to its time bounds at every call', async () => {
    now = T0;
    const verifier = verifierWith(discoverKeys(issuer.issuer));
    const token = await issuer.sign({ iat: T0, exp: T0 + 3600 });
    await verifier.verify(token);
    now = T0 - 61;
    expect(verifier.peek?.(token)).toEqual({ kind: 'invalid', reason: 'the token iat is in the future' });
    now = T0 + 3600;
    expect(verifier.peek?.(token)).toBeUndefined();
  });

  it('does not cache a refused token', async () => {
    now = T0;
    const keys = counted(discoverKeys(issuer.issuer));
    const verifier = verifierWith(keys.keys);
    const token = await issuer.sign({ aud: 'elsewhere' });
    await verifier.verify(token);
    await verifier.verify(token);
    expect(keys.calls()).toBe(2);
  });
});

describe('discoverKeys', () => {
  it('fetches the JWKS once for many tokens', async () => {
    now = T0;
    const before = issuer.jwksFetches;
    const verifier = verifierWith(discoverKeys(issuer.issuer));
    for (const sub of ['a', 'b', 'c']) await verifier.verify(await issuer.sign({ sub }));
    expect(issuer.jwksFetches - before).toBe(1);
  });

  it('picks up a new key on an unknown kid once the cooldown has passed', async () => {
    now = T0;
    const verifier = verifierWith(discoverKeys(issuer.issuer, { cooldownMs: 0 }));
    await verifier.verify(await issuer.sign());
    const rotated = await issuer.newKey('rotated-1');
    issuer.publish(rotated);
    expect(await verifier.verify(await issuer.sign({}, { key: rotated }))).toMatchObject({ kind: 'principal' });
  });

  it('does not refetch within the cooldown, and refuses the unknown kid', async () => {
    now = T0;
    const verifier = verifierWith(discoverKeys(issuer.issuer, { cooldownMs: 60_000 }));
    await verifier.verify(await issuer.sign());
    const before = issuer.jwksFetches;
    const unknown = await issuer.newKey('never-published');
    const outcome = await verifier.verify(await issuer.sign({}, { key: unknown }));
    expect([outcome, issuer.jwksFetches - before]).toEqual([{ kind: 'invalid', reason: 'the token is signed with a key the issuer does not publish' }, 0]);
  });

  it('reports an issuer out of reach as unavailable, not as a bad token', async () => {
    now = T0;
    const verifier = createTokenVerifier({
      issuer: 'http://127.0.0.1:9',
      audience: 'x',
      keys: discoverKeys('http://127.0.0.1:9', { timeoutMs: 500 }),
      clock: () => now,
    });
    const outcome = await verifier.verify(await issuer.sign());
    expect(outcome.kind).toBe('unavailable');
  });

  it('refuses a discovery document that names another issuer', async () => {
    now = T0;
    const verifier = createTokenVerifier({ issuer: `${issuer.issuer}/`, audience: issuer.audience, keys: discoverKeys(`${issuer.issuer}/`), clock: () => now });
    expect(await verifier.verify(await issuer.sign({ iss: `${issuer.issuer}/` }))).toEqual({
      kind: 'unavailable',
      reason: `the discovery document names the issuer "${issuer.issuer}", but OIDC_ISSUER is "${issuer.issuer}/"; they must be identical`,
    });
  });
});

describe('token lifetime (a revocation must outlive every token it matches)', () => {
  const DAY = 86_400;
  const TOLERANCE = 60;

  it('accepts a token without iat whose exp is exactly maxTokenLifetime + clockTolerance away', async () => {
    now = T0;
    const token = await issuer.sign({ exp: T0 + DAY + TOLERANCE }, { omit: ['iat'] });
    expect(await verifierWith(discoverKeys(issuer.issuer)).verify(token)).toMatchObject({ kind: 'principal' });
  });

  it('refuses a token without iat whose exp is one second further than maxTokenLifetime + clockTolerance', async () => {
    now = T0;
    const token = await issuer.sign({ exp: T0 + DAY + TOLERANCE + 1 }, { omit: ['iat'] });
    expect(await verifierWith(discoverKeys(issuer.issuer)).verify(token)).toEqual({ kind: 'invalid', reason: 'the token expires too far in the future' });
  });

  it('refuses a token whose exp is 1e308', async () => {
    now = T0;
    const token = await issuer.sign({ exp: 1e308 });
    expect(await verifierWith(discoverKeys(issuer.issuer)).verify(token)).toEqual({ kind: 'invalid', reason: 'the token expires too far in the future' });
  });

  it('accepts a token issued for exactly maxTokenLifetime', async () => {
    now = T0;
    const token = await issuer.sign({ iat: T0 - 10, exp: T0 - 10 + DAY });
    expect(await verifierWith(discoverKeys(issuer.issuer)).verify(token)).toMatchObject({ kind: 'principal' });
  });

  it('refuses a token issued for one second longer than maxTokenLifetime', async () => {
    now = T0;
    const token = await issuer.sign({ iat: T0 - 10, exp: T0 - 10 + DAY + 1 });
    expect(await verifierWith(discoverKeys(issuer.issuer)).verify(token)).toEqual({
      kind: 'invalid',
      reason: 'the token lives longer than the gateway accepts',
    });
  });

  it('accepts a token whose iat is exactly clockTolerance in the future', async () => {
    now = T0;
    const token = await issuer.sign({ iat: T0 + TOLERANCE });
    expect(await verifierWith(discoverKeys(issuer.issuer)).verify(token)).toMatchObject({ kind: 'principal' });
  });

  it('refuses a token whose iat is one second further in the future than clockTolerance', async () => {
    now = T0;
    const token = await issuer.sign({ iat: T0 + TOLERANCE + 1 });
    expect(await verifierWith(discoverKeys(issuer.issuer)).verify(token)).toEqual({ kind: 'invalid', reason: 'the token iat is in the future' });
  });

  it('refuses a token whose auth_time is one second further in the future than clockTolerance', async () => {
    now = T0;
    const token = await issuer.sign({ acr: GOLD, auth_time: T0 + TOLERANCE + 1 });
    expect(await verifierWith(discoverKeys(issuer.issuer)).verify(token)).toEqual({ kind: 'invalid', reason: 'the token auth_time is in the future' });
  });

  it('holds tokens to a maxTokenLifetime option smaller than the default', async () => {
    now = T0;
    const verifier = createTokenVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      keys: discoverKeys(issuer.issuer),
      clock: () => now,
      maxTokenLifetime: 600,
    });
    const token = await issuer.sign({ exp: T0 + 600 + TOLERANCE + 1 }, { omit: ['iat'] });
    expect(await verifier.verify(token)).toEqual({ kind: 'invalid', reason: 'the token expires too far in the future' });
  });

  it('stops serving a cached token once the clock is set back further than its lifetime allows', async () => {
    now = T0;
    const verifier = verifierWith(discoverKeys(issuer.issuer));
    const token = await issuer.sign({ exp: T0 + DAY + TOLERANCE }, { omit: ['iat'] });
    await verifier.verify(token);
    now = T0 - 1;
    expect(await verifier.verify(token)).toEqual({ kind: 'invalid', reason: 'the token expires too far in the future' });
  });

  it('throws a TypeError naming maxTokenLifetime when it is not a non-negative integer', () => {
    expect(() => createTokenVerifier({ issuer: issuer.issuer, audience: issuer.audience, keys: discoverKeys(issuer.issuer), maxTokenLifetime: 1.5 })).toThrow(
      new TypeError('"maxTokenLifetime" must be a non-negative integer of seconds'),
    );
  });
});
