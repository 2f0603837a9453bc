import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GOLD, startHarness, T0, type Harness } from '../helpers/gateway.js';

/** The defaults of `maxTokenLifetime` and `clockTolerance`, in seconds. */
const DAY = 86_400;
const TOLERANCE = 60;
const CENTURY = 100 * 365 * DAY;

let h: Harness;

/**
 * Moves the gateway's clock and the system clock together: the in-memory shared state, where logouts
 * are remembered, expires its entries by `Date.now`.
 */
function moveTo(seconds: number): void {
  h.setNow(seconds);
  vi.setSystemTime(seconds * 1000);
}

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0 * 1000);
  h = await startHarness({ file: { opaqueTokens: true }, env: { OIDC_CLIENT_ID: 'guthib-gateway', OIDC_CLIENT_SECRET: 'gateway-secret' } });
});
afterEach(async () => {
  await h.close();
  vi.useRealTimers();
});

const logoutToken = (claims: Record<string, unknown>) =>
  h.issuer.sign(
    { aud: 'guthib-web', jti: crypto.randomUUID(), events: { 'http://schemas.openid.net/event/backchannel-logout': {} }, ...claims },
    { header: { typ: 'logout+jwt' }, omit: ['exp', 'client_id'] },
  );

async function logout(token: string): Promise<number> {
  const response = await fetch(new URL('/backchannel-logout', h.gateway.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: token }),
  });
  return response.status;
}

describe('tokens that would outlive the memory of their logout', () => {
  it('refuses a JWT whose exp is a hundred years away with 401 invalid_token', async () => {
    const { status, headers, body } = await h.post('{ viewer { login } }', { token: await h.issuer.sign({ acr: GOLD, auth_time: T0, exp: T0 + CENTURY }) });
    expect([status, headers.get('www-authenticate')]).toEqual([
      401,
      'Bearer realm="guthib", error="invalid_token", error_description="the token expires too far in the future"',
    ]);
    expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('refuses an opaque token whose introspection answer expires a hundred years away', async () => {
    h.issuer.introspection.set('opaque-century', { active: true, sub: 'alice', aud: h.issuer.audience, iat: T0, exp: T0 + CENTURY });
    const { status, body } = await h.post('{ viewer { login } }', { token: 'opaque-century' });
    expect(status).toBe(401);
    expect(body.errors?.[0]).toMatchObject({
      message: 'The access token is not valid: the token expires too far in the future',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it("keeps refusing a logged-out session's token until its exp, after the clock has moved maxTokenLifetime past the logout", async () => {
    const token = await h.issuer.sign({ sid: 'session-1', iat: T0, exp: T0 + DAY });
    const before = await h.post('{ viewer { login } }', { token });
    const loggedOut = await logout(await logoutToken({ sid: 'session-1' }));
    moveTo(T0 + DAY + TOLERANCE - 1);
    const after = await h.post('{ viewer { login } }', { token });
    expect([before.status, loggedOut, after.status]).toEqual([200, 200, 401]);
    expect(after.body.errors?.[0]).toMatchObject({
      message: 'The access token is not valid: the session of the token has ended (logout)',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it("keeps refusing a user's token issued as late as a logout by sub allows, until the last second it could be accepted", async () => {
    // Both the token and the logout token say they were issued clockTolerance ahead of the gateway's clock.
    const token = await h.issuer.sign({ sub: 'bob', iat: T0 + TOLERANCE, exp: T0 + TOLERANCE + DAY });
    const loggedOut = await logout(await logoutToken({ sub: 'bob', iat: T0 + TOLERANCE }));
    moveTo(T0 + TOLERANCE + DAY + TOLERANCE - 1);
    const after = await h.post('{ viewer { login } }', { token });
    expect([loggedOut, after.status]).toEqual([200, 401]);
    expect(after.body.errors?.[0]).toMatchObject({ message: 'The access token is not valid: the user logged out after the token was issued' });
  });
});
