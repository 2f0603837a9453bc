import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { claimsOf, hs256WithPublicKey, unsigned } from '../helpers/forge.js';
import { BRONZE, GOLD, SILVER, startHarness, T0, type Harness } from '../helpers/gateway.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.setNow(T0));

const gold = (age = 0, claims: Record<string, unknown> = {}) => h.issuer.sign({ acr: GOLD, auth_time: T0 - age, ...claims });
const silver = (age = 0) => h.issuer.sign({ acr: SILVER, auth_time: T0 - age });

const VIEWER_PRIVATE = '{ viewer { login email paymentMethods { brand last4 } } }';
const HIGH_CHALLENGE = { code: 'STEP_UP_REQUIRED', requiredAcr: 'HIGH', acrValues: GOLD, maxAge: 300 };

describe('no token', () => {
  it('resolves public fields', async () => {
    const { status, body } = await h.post('{ repositories { name owner { login } } }');
    expect({ status, body }).toEqual({
      status: 200,
      body: {
        data: {
          repositories: [
            { name: 'gut', owner: { login: 'alice' } },
            { name: 'website', owner: { login: 'alice' } },
            { name: 'dotfiles', owner: { login: 'bob' } },
          ],
        },
      },
    });
  });

  it('nulls each protected field with UNAUTHENTICATED and keeps the public ones', async () => {
    const { status, body } = await h.post('{ viewer { login } repository(owner: "alice", name: "gut") { name } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({ viewer: null, repository: { name: 'gut' } });
    expect(body.errors).toMatchObject([{ path: ['viewer'], extensions: { code: 'UNAUTHENTICATED' } }]);
  });

  it('challenges with a Bearer WWW-Authenticate header', async () => {
    const { headers } = await h.post('{ viewer { login } }');
    expect(headers.get('www-authenticate')).toBe('Bearer realm="guthib"');
  });

  it('sends no challenge when nothing protected was asked', async () => {
    const { headers } = await h.post('{ repositories { name } }');
    expect(headers.get('www-authenticate')).toBeNull();
  });

  it('refuses a protected type reached through node(id:)', async () => {
    const { body } = await h.post('{ node(id: "PaymentMethod:1") { id ... on PaymentMethod { last4 } } }');
    expect(body.data).toEqual({ node: null });
    expect(body.errors).toMatchObject([{ path: ['node'], extensions: { code: 'UNAUTHENTICATED', requiredAcr: 'HIGH' } }]);
  });

  it('does not reveal the type of a protected object behind node(id:) through __typename', async () => {
    const { body } = await h.post('{ node(id: "PaymentMethod:1") { __typename } }');
    expect(body.data).toEqual({ node: null });
  });
});

describe('a presented token that is invalid', () => {
  const invalid: Array<[string, () => Promise<string>, string]> = [
    [
      'a bad signature',
      async () => {
        const t = await gold();
        return t.slice(0, -4) + (t.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      },
      'the token signature does not verify',
    ],
    [
      'a key the issuer does not publish',
      async () => h.issuer.sign({ acr: GOLD }, { key: await h.issuer.newKey('foreign') }),
      'the token is signed with a key the issuer does not publish',
    ],
    ['an expired token', () => h.issuer.sign({ exp: T0 - 61 }), 'the token has expired'],
    ['a token without exp', () => h.issuer.sign({}, { omit: ['exp'] }), 'the token has no exp claim'],
    ['another issuer', () => h.issuer.sign({ iss: 'https://evil.example' }), 'the token was issued by another issuer'],
    ['another audience', () => h.issuer.sign({ aud: 'another-api' }), 'the token is not meant for this audience'],
    ['alg none', async () => unsigned({ alg: 'none', typ: 'at+jwt' }, claimsOf(await gold())), 'the token is signed with an algorithm that is not accepted'],
    [
      'HS256 signed with the public key',
      async () => hs256WithPublicKey(claimsOf(await gold()), h.issuer.key.publicJwk),
      'the token is signed with an algorithm that is not accepted',
    ],
    ['a typ header other than at+jwt or JWT', () => h.issuer.sign({}, { header: { typ: 'id_token+jwt' } }), 'the token header typ must be at+jwt or JWT'],
    ['a malformed token', async () => 'not.a.jwt', 'the token is malformed'],
    ['an auth_time in the future beyond the clock tolerance', () => h.issuer.sign({ acr: GOLD, auth_time: T0 + 61 }), 'the token auth_time is in the future'],
  ];

  it.each(invalid)('refuses %s with 401, no data and an invalid_token challenge', async (_, token, reason) => {
    const presented = await token();
    const { status, headers, body } = await h.post('{ repositories { name } }', { token: presented });
    expect(status).toBe(401);
    expect(body).not.toHaveProperty('data');
    expect(body.errors).toEqual([{ message: `The access token is not valid: ${reason}`, extensions: { code: 'UNAUTHENTICATED' } }]);
    expect(headers.get('www-authenticate')).toBe(`Bearer realm="guthib", error="invalid_token", error_description="${reason}"`);
    expect(JSON.stringify(body)).not.toContain(presented);
  });

  it('accepts auth_time in the future within the clock tolerance', async () => {
    const { status } = await h.post('{ viewer { login } }', { token: await h.issuer.sign({ acr: GOLD, auth_time: T0 + 60 }) });
    expect(status).toBe(200);
  });

  it('answers an Authorization header without the Bearer scheme with 400 invalid_request', async () => {
    const { status, headers, body } = await h.post('{ repositories { name } }', { authorization: 'Basic YWxpY2U6cHc=' });
    expect(status).toBe(400);
    expect(body.errors).toMatchObject([{ extensions: { code: 'BAD_REQUEST' } }]);
    expect(headers.get('www-authenticate')).toContain('error="invalid_request"');
  });
});

describe('a valid token that falls short on a query field', () => {
  it('nulls the field, keeps the rest, and answers 200', async () => {
    const { status, body } = await h.post(VIEWER_PRIVATE, { token: await silver() });
    expect(status).toBe(200);
    expect(body.data).toEqual({ viewer: { login: 'alice', email: 'alice@guthib.example', paymentMethods: null } });
  });

  it('reports STEP_UP_REQUIRED at the field path with requiredAcr, acrValues and maxAge', async () => {
    const { body } = await h.post(VIEWER_PRIVATE, { token: await silver() });
    expect(body.errors).toEqual([expect.objectContaining({ path: ['viewer', 'paymentMethods'], extensions: HIGH_CHALLENGE })]);
  });

  it('lists every satisfying acr, lowest first, for a MEDIUM field', async () => {
    const { body } = await h.post('{ viewer { email } }', { token: await h.issuer.sign({ acr: BRONZE, auth_time: T0 }) });
    expect(body.errors![0]!.extensions).toEqual({ code: 'STEP_UP_REQUIRED', requiredAcr: 'MEDIUM', acrValues: `${SILVER} ${GOLD}`, maxAge: 43_200 });
  });

  it('sends the RFC 9470 challenge for the strictest unmet requirement of the whole response', async () => {
    const { headers, body } = await h.post(VIEWER_PRIVATE, { token: await h.issuer.sign({ acr: BRONZE, auth_time: T0 }) });
    expect(body.errors!.map((error) => error.extensions!['requiredAcr'])).toEqual(['MEDIUM', 'HIGH']);
    expect(headers.get('www-authenticate')).toBe(
      'Bearer realm="guthib", error="insufficient_user_authentication", ' +
        'error_description="Authentication at level HIGH within the last 300 seconds is required", ' +
        `acr_values="${GOLD}", max_age="300"`,
    );
  });

  it('serves the HIGH field to gold authenticated exactly 300 seconds ago', async () => {
    const { body } = await h.post(VIEWER_PRIVATE, { token: await gold(300) });
    expect(body).toEqual({ data: { viewer: { login: 'alice', email: 'alice@guthib.example', paymentMethods: [{ brand: 'Visa', last4: '4242' }] } } });
  });

  it('refuses the HIGH field to gold authenticated 301 seconds ago', async () => {
    const { body } = await h.post(VIEWER_PRIVATE, { token: await gold(301) });
    expect(body.errors).toMatchObject([{ path: ['viewer', 'paymentMethods'], extensions: HIGH_CHALLENGE }]);
  });

  it('decays a cached token: the same token is refused once the clock passes its max age', async () => {
    const token = await gold(0);
    const before = await h.post('{ viewer { paymentMethods { last4 } } }', { token });
    h.setNow(T0 + 301);
    const after = await h.post('{ viewer { paymentMethods { last4 } } }', { token });
    expect([before.body.errors, after.body.errors?.[0]?.extensions?.['code']]).toEqual([undefined, 'STEP_UP_REQUIRED']);
  });

  it('lets an unknown acr through a bare @isAuthenticated and refuses it a level', async () => {
    const { body } = await h.post('{ viewer { login email } }', { token: await h.issuer.sign({ acr: 'urn:example:unknown', auth_time: T0 }) });
    expect(body.data).toEqual({ viewer: { login: 'alice', email: null } });
    expect(body.errors).toMatchObject([{ path: ['viewer', 'email'], extensions: { code: 'STEP_UP_REQUIRED', requiredAcr: 'MEDIUM' } }]);
  });

  it('refuses a MEDIUM field to a gold token without auth_time', async () => {
    const { body } = await h.post('{ viewer { login email } }', { token: await h.issuer.sign({ acr: GOLD }) });
    expect(body.data).toEqual({ viewer: { login: 'alice', email: null } });
  });

  it('refuses a protected type through node(id:) at the node path', async () => {
    const { body } = await h.post('{ node(id: "PaymentMethod:1") { id } }', { token: await silver() });
    expect(body).toMatchObject({ data: { node: null }, errors: [{ path: ['node'], extensions: HIGH_CHALLENGE }] });
  });

  it('serves a protected type through node(id:) to a token that meets it', async () => {
    const { body } = await h.post('{ node(id: "PaymentMethod:1") { id ... on PaymentMethod { last4 } } }', { token: await gold() });
    expect(body).toEqual({ data: { node: { id: 'PaymentMethod:1', last4: '4242' } } });
  });

  it('refuses an aliased protected field under its alias', async () => {
    const { body } = await h.post('{ me: viewer { cards: paymentMethods { last4 } } }', { token: await silver() });
    expect(body.errors).toMatchObject([{ path: ['me', 'cards'], extensions: { code: 'STEP_UP_REQUIRED' } }]);
  });

  it('refuses a protected field selected through a fragment', async () => {
    const { body } = await h.post('query { viewer { ...Private } } fragment Private on User { paymentMethods { last4 } }', { token: await silver() });
    expect(body).toMatchObject({ data: { viewer: { paymentMethods: null } }, errors: [{ extensions: HIGH_CHALLENGE }] });
  });
});

describe('step-up is necessary, never sufficient', () => {
  it("refuses another user's email with FORBIDDEN to a gold token", async () => {
    const { body } = await h.post('{ repository(owner: "alice", name: "gut") { owner { email } } }', { token: await gold(0, { sub: 'bob' }) });
    expect(body.errors).toMatchObject([{ path: ['repository', 'owner', 'email'], extensions: { code: 'FORBIDDEN' } }]);
  });

  it('sends no step-up challenge for a FORBIDDEN field', async () => {
    const { headers } = await h.post('{ repository(owner: "alice", name: "gut") { owner { email } } }', { token: await gold(0, { sub: 'bob' }) });
    expect(headers.get('www-authenticate')).toBeNull();
  });
});
