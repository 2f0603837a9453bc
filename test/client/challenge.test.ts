import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChallenge } from '../../src/client/index.js';
import { transferApproval, GOLD, SILVER, startHarness, T0, type Harness } from '../helpers/gateway.js';

const CAN_REAUTHENTICATE = 'https://authgear.com/claims/user/can_reauthenticate';
const transfer = (repository: string) => `mutation { transferRepositoryOwnership(repositoryId: "${repository}", newOwner: "bob") { name } }`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** POSTs over real HTTP and hands back the raw `Response`, as a browser's `fetch` would. */
function post(query: string, token?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  return fetch(h.gateway.url, { method: 'POST', headers, body: JSON.stringify({ query }) });
}

/** The same response as a cross-origin browser sees it when `WWW-Authenticate` is not exposed. */
async function withoutHeader(response: Response): Promise<Response> {
  const headers = new Headers(response.headers);
  headers.delete('www-authenticate');
  return new Response(await response.text(), { status: response.status, headers });
}

describe('readChallenge against the gateway', () => {
  it('recognises a step-up in a 200 partial answer', async () => {
    const response = await post('{ viewer { login paymentMethods { last4 } } }', await h.issuer.sign({ acr: SILVER, auth_time: T0 }));
    expect([response.status, await readChallenge(response)]).toEqual([
      200,
      {
        kind: 'step-up',
        acrValues: [GOLD],
        maxAge: 300,
        requiredAcr: 'HIGH',
        forceLogin: false,
        message: 'Authentication at level HIGH within the last 300 seconds is required',
      },
    ]);
  });

  it('recognises a step-up in a 401 refused mutation with its RFC 9470 header', async () => {
    const response = await post(transfer('Repository:1'), await h.issuer.sign({ acr: SILVER, auth_time: T0 }));
    expect([response.status, await readChallenge(response)]).toMatchObject([
      401,
      { kind: 'step-up', acrValues: [GOLD], maxAge: 300, requiredAcr: 'HIGH', forceLogin: false },
    ]);
  });

  it('recognises the same step-up from the body alone when the header is not exposed', async () => {
    const response = await withoutHeader(await post(transfer('Repository:1'), await h.issuer.sign({ acr: SILVER, auth_time: T0 })));
    expect(await readChallenge(response)).toMatchObject({ kind: 'step-up', acrValues: [GOLD], maxAge: 300, requiredAcr: 'HIGH', forceLogin: false });
  });

  it('leaves the response unread for the caller', async () => {
    const response = await post(transfer('Repository:1'), await h.issuer.sign({ acr: SILVER, auth_time: T0 }));
    await readChallenge(response);
    expect(((await response.json()) as { errors: unknown[] }).errors).toHaveLength(1);
  });

  it('asks for a forced new login after a used one-time step-up', async () => {
    const token = await h.issuer.sign({
      acr: GOLD,
      auth_time: T0,
      sid: 'challenge-once',
      authorization_details: ['Repository:3', 'Repository:4'].map((id) => transferApproval(id, 'bob')),
    });
    await post(transfer('Repository:3'), token);
    const response = await post(transfer('Repository:4'), token);
    expect(await readChallenge(response)).toMatchObject({ kind: 'step-up', acrValues: [GOLD], maxAge: 0, forceLogin: true });
  });

  it('asks for a forced new login from the body alone (once: true)', async () => {
    const token = await h.issuer.sign({
      acr: GOLD,
      auth_time: T0,
      sid: 'challenge-once-body',
      authorization_details: ['Repository:5', 'Repository:6'].map((id) => transferApproval(id, 'bob')),
    });
    await post(transfer('Repository:5'), token);
    const response = await withoutHeader(await post(transfer('Repository:6'), token));
    expect(await readChallenge(response)).toMatchObject({ kind: 'step-up', maxAge: 0, forceLogin: true });
  });

  it('reads the approval a transfer needs from insufficient_authorization and its authorization_remediation', async () => {
    const response = await post(transfer('Repository:1'), await h.issuer.sign({ acr: GOLD, auth_time: T0 }));
    expect(await readChallenge(response)).toEqual({
      kind: 'step-up',
      acrValues: [GOLD],
      maxAge: 300,
      requiredAcr: 'HIGH',
      forceLogin: false,
      message: 'The user must approve this call of Mutation.transferRepositoryOwnership (authorization_details in the access token)',
      authorizationDetails: [transferApproval('Repository:1', 'bob')],
    });
  });

  it('reads the same approval from the body alone (APPROVAL_REQUIRED)', async () => {
    const response = await withoutHeader(await post(transfer('Repository:1'), await h.issuer.sign({ acr: GOLD, auth_time: T0 })));
    expect(await readChallenge(response)).toMatchObject({
      kind: 'step-up',
      acrValues: [GOLD],
      authorizationDetails: [transferApproval('Repository:1', 'bob')],
    });
  });

  it('reads the approval beside the step-up when the level is unmet too', async () => {
    const response = await post(transfer('Repository:2'), await h.issuer.sign({ acr: SILVER, auth_time: T0 }));
    expect(await readChallenge(response)).toMatchObject({
      kind: 'step-up',
      acrValues: [GOLD],
      authorizationDetails: [transferApproval('Repository:2', 'bob')],
    });
  });

  it('recognises STEP_UP_IMPOSSIBLE on a 403 mutation', async () => {
    const response = await post(transfer('Repository:1'), await h.issuer.sign({ acr: SILVER, auth_time: T0, [CAN_REAUTHENTICATE]: false }));
    expect([response.status, (await readChallenge(response))?.kind]).toEqual([403, 'impossible']);
  });

  it('recognises an anonymous caller as a sign-in with the refused field’s acr values', async () => {
    const response = await post('{ viewer { login paymentMethods { last4 } } }');
    expect(await readChallenge(response)).toMatchObject({ kind: 'sign-in', forceLogin: false });
  });

  it('recognises an invalid token as a sign-in', async () => {
    const response = await post('{ viewer { login } }', await h.issuer.sign({ acr: SILVER, auth_time: T0 - 7200, iat: T0 - 7200, exp: T0 - 3600 }));
    expect([response.status, (await readChallenge(response))?.kind]).toEqual([401, 'sign-in']);
  });

  it('finds nothing in an answer without a challenge', async () => {
    const response = await post('{ viewer { login } }', await h.issuer.sign({ acr: GOLD, auth_time: T0 }));
    expect(await readChallenge(response)).toBeUndefined();
  });
});

describe('readChallenge on its own', () => {
  const json = (body: unknown, headers: Record<string, string> = {}, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
  const refused = (extensions: Record<string, unknown>) => ({ message: 'm', extensions: { code: 'STEP_UP_REQUIRED', ...extensions } });

  it('prefers the header’s acr_values and max_age to the extensions', async () => {
    const response = json(
      { errors: [refused({ requiredAcr: 'MEDIUM', acrValues: `${SILVER} ${GOLD}`, maxAge: 600 })] },
      {
        'www-authenticate': `Bearer realm="guthib", error="insufficient_user_authentication", error_description="x", acr_values="${GOLD}", max_age="300"`,
      },
    );
    expect(await readChallenge(response)).toMatchObject({ acrValues: [GOLD], maxAge: 300, message: 'x' });
  });

  it('combines the body’s errors to the strictest: the common acr values and the smallest max age', async () => {
    const response = json({
      errors: [
        refused({ requiredAcr: 'MEDIUM', acrValues: `${SILVER} ${GOLD}`, maxAge: 600 }),
        refused({ requiredAcr: 'HIGH', acrValues: GOLD, maxAge: 300 }),
        refused({ acrValues: GOLD, maxAge: 60 }),
      ],
    });
    expect(await readChallenge(response)).toMatchObject({ kind: 'step-up', acrValues: [GOLD], requiredAcr: 'HIGH', maxAge: 60, forceLogin: false });
  });

  it('prefers impossible to a step-up in the same answer, so that nothing loops', async () => {
    const response = json({ errors: [refused({ acrValues: GOLD }), { message: 'm', extensions: { code: 'STEP_UP_IMPOSSIBLE' } }] });
    expect((await readChallenge(response))?.kind).toBe('impossible');
  });

  it('ignores a Bearer challenge of another kind (insufficient_scope)', async () => {
    const response = json(
      { errors: [{ message: 'm', extensions: { code: 'FORBIDDEN' } }] },
      { 'www-authenticate': 'Bearer error="insufficient_scope", scope="repo:admin"' },
      403,
    );
    expect(await readChallenge(response)).toBeUndefined();
  });

  it('reads a body the caller already parsed instead of the response', async () => {
    const response = new Response(null, { status: 200 });
    expect((await readChallenge(response, { errors: [refused({ acrValues: GOLD })] }))?.kind).toBe('step-up');
  });
});
