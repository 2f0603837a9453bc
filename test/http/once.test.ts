import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GOLD, transferApproval, startHarness, T0, type Harness } from '../helpers/gateway.js';

/** Approvals of every transfer these tests make: the one-time rule is what is tested here, not the approval. */
const APPROVED = { authorization_details: ['Repository:1', 'Repository:2', 'Repository:3'].map((id) => transferApproval(id, 'bob')) };

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const transfer = (repository: string) => `mutation { transferRepositoryOwnership(repositoryId: "${repository}", newOwner: "bob") { name } }`;
const ownerOf = async (key: string) => (await h.source.repositoriesByKey([key]))[0]?.ownerLogin;

describe('a one-time step-up (once: true)', () => {
  it('serves one transfer per authentication and challenges the next', async () => {
    const token = await h.issuer.sign({ ...APPROVED, acr: GOLD, auth_time: T0, sid: 's1' });
    const first = await h.post(transfer('Repository:1'), { token });
    const second = await h.post(transfer('Repository:2'), { token });
    expect([first.status, second.status, await ownerOf('2')]).toEqual([200, 401, 'alice']);
  });

  // Following a used step-up's challenge as it is would return the same auth_time: the client would loop.
  it('asks in the header of a used step-up for a new login with max_age="0", naming the approval the call needs with it', async () => {
    const token = await h.issuer.sign({ ...APPROVED, acr: GOLD, auth_time: T0, sid: 's5' });
    await h.post(transfer('Repository:1'), { token });
    const second = await h.post(transfer('Repository:2'), { token });
    const remediation = Buffer.from(JSON.stringify({ authorization_details: [transferApproval('Repository:2', 'bob')] })).toString('base64url');
    expect(second.headers.get('www-authenticate')).toBe(
      'Bearer realm="guthib", error="insufficient_user_authentication", ' +
        'error_description="A new authentication at level HIGH is required", acr_values="' +
        GOLD +
        `", max_age="0", authorization_remediation="${remediation}"`,
    );
  });

  it('says in the extensions of a used step-up that it was once, with max age 0 and prompt login', async () => {
    const token = await h.issuer.sign({ ...APPROVED, acr: GOLD, auth_time: T0, sid: 's6' });
    await h.post(transfer('Repository:1'), { token });
    const second = await h.post(transfer('Repository:2'), { token });
    expect(second.body.errors?.[0]).toMatchObject({
      extensions: { code: 'STEP_UP_REQUIRED', requiredAcr: 'HIGH', acrValues: GOLD, maxAge: 0, once: true, prompt: 'login' },
    });
  });

  it('runs exactly one of 50 concurrent replays of one token', async () => {
    const token = await h.issuer.sign({ ...APPROVED, acr: GOLD, auth_time: T0, sid: 's2' });
    const answers = await Promise.all(Array.from({ length: 50 }, () => h.post(transfer('Repository:1'), { token })));
    const statuses = answers.map((answer) => answer.status);
    expect([statuses.filter((status) => status === 200).length, statuses.filter((status) => status === 401).length]).toEqual([1, 49]);
  });

  it('counts a new authentication of the same session as fresh', async () => {
    const first = await h.post(transfer('Repository:1'), { token: await h.issuer.sign({ ...APPROVED, acr: GOLD, auth_time: T0 - 10, sid: 's3' }) });
    const again = await h.post(transfer('Repository:2'), { token: await h.issuer.sign({ ...APPROVED, acr: GOLD, auth_time: T0, sid: 's3' }) });
    expect([first.status, again.status]).toEqual([200, 200]);
  });

  it('refuses the whole operation when the same once field is selected twice under aliases', async () => {
    const token = await h.issuer.sign({ ...APPROVED, acr: GOLD, auth_time: T0, sid: 's4' });
    const { status } = await h.post(
      'mutation { a: transferRepositoryOwnership(repositoryId: "Repository:1", newOwner: "bob") { name } b: transferRepositoryOwnership(repositoryId: "Repository:2", newOwner: "bob") { name } }',
      { token },
    );
    expect([status, await ownerOf('1'), await ownerOf('2')]).toEqual([401, 'alice', 'alice']);
  });
});

describe('back-channel logout', () => {
  const logoutToken = (claims: Record<string, unknown>, header: Record<string, unknown> = { typ: 'logout+jwt' }) =>
    h.issuer.sign(
      { aud: 'guthib-web', jti: crypto.randomUUID(), events: { 'http://schemas.openid.net/event/backchannel-logout': {} }, ...claims },
      { header, omit: ['exp', 'client_id'] },
    );
  const logout = async (token: string) => {
    const response = await fetch(new URL('/backchannel-logout', h.gateway.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: token }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };

  it('refuses every token of the logged-out session as invalid_token, although it has not expired', async () => {
    const token = await h.issuer.sign({ ...APPROVED, acr: GOLD, auth_time: T0, sid: 'session-1' });
    const before = await h.post('{ viewer { login } }', { token });
    const loggedOut = await logout(await logoutToken({ sid: 'session-1' }));
    const after = await h.post('{ viewer { login } }', { token });
    expect([before.status, loggedOut.status, after.status, after.headers.get('www-authenticate')]).toEqual([
      200,
      200,
      401,
      'Bearer realm="guthib", error="invalid_token", error_description="the session of the token has ended (logout)"',
    ]);
  });

  it('keeps the tokens of other sessions working', async () => {
    await logout(await logoutToken({ sid: 'session-2' }));
    const other = await h.post('{ viewer { login } }', { token: await h.issuer.sign({ sid: 'session-3' }) });
    expect(other.status).toBe(200);
  });

  it("refuses a user's tokens issued before a logout by sub, and accepts those issued after", async () => {
    const old = await h.issuer.sign({ sub: 'bob', iat: T0 - 5 });
    await logout(await logoutToken({ sub: 'bob', iat: T0 }));
    const newer = await h.issuer.sign({ sub: 'bob', iat: T0 + 1 });
    const [oldAnswer, newAnswer] = [await h.post('{ viewer { login } }', { token: old }), await h.post('{ viewer { login } }', { token: newer })];
    expect([oldAnswer.status, newAnswer.status]).toEqual([401, 200]);
  });

  it('accepts a logout token once: its jti cannot be replayed', async () => {
    const token = await logoutToken({ sid: 'session-4' });
    const [first, replay] = [await logout(token), await logout(token)];
    expect([first.status, replay.status, replay.body['error_description']]).toEqual([200, 400, 'the logout token was already used']);
  });

  it('refuses a logout token with a nonce (an ID token cannot pass for one)', async () => {
    const { status, body } = await logout(await logoutToken({ sid: 'x', nonce: 'n' }));
    expect([status, body['error_description']]).toEqual([400, 'a logout token must not have a nonce']);
  });

  it('refuses a logout token without the back-channel logout event', async () => {
    const { status, body } = await logout(await logoutToken({ sid: 'x', events: {} }));
    expect([status, body['error_description']]).toEqual([400, 'the logout token has no back-channel logout event']);
  });

  it('refuses a logout token for another audience', async () => {
    const { status } = await logout(await logoutToken({ sid: 'x', aud: 'someone-else' }));
    expect(status).toBe(400);
  });

  it('refuses an access token posted as a logout token', async () => {
    const { status } = await logout(
      await h.issuer.sign({ aud: 'guthib-web', sid: 'x', jti: 'j', events: { 'http://schemas.openid.net/event/backchannel-logout': {} } }),
    );
    expect(status).toBe(400);
  });
});

describe('users who cannot step up', () => {
  const CLAIM = 'https://authgear.com/claims/user/can_reauthenticate';

  it('refuses a HIGH field with STEP_UP_IMPOSSIBLE and no challenge when can_reauthenticate is false', async () => {
    const token = await h.issuer.sign({ acr: 'urn:mace:incommon:iap:silver', auth_time: T0, [CLAIM]: false });
    const { status, headers, body } = await h.post('{ viewer { paymentMethods { last4 } } }', { token });
    expect([status, headers.get('www-authenticate'), body.errors?.[0]?.extensions?.['code']]).toEqual([200, null, 'STEP_UP_IMPOSSIBLE']);
  });

  it('refuses a mutation before execution with 403', async () => {
    const token = await h.issuer.sign({ acr: 'urn:mace:incommon:iap:silver', auth_time: T0, [CLAIM]: false });
    const { status } = await h.post(transfer('Repository:1'), { token });
    expect([status, await ownerOf('1')]).toEqual([403, 'alice']);
  });

  it('challenges as usual when the claim is true', async () => {
    const token = await h.issuer.sign({ acr: 'urn:mace:incommon:iap:silver', auth_time: T0, [CLAIM]: true });
    const { body } = await h.post('{ viewer { paymentMethods { last4 } } }', { token });
    expect(body.errors?.[0]?.extensions?.['code']).toBe('STEP_UP_REQUIRED');
  });
});
