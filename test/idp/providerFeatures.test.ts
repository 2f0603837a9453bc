import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/server.js';
import { startDevGateway } from '../helpers/devGateway.js';
import { titleOf, WebClient } from '../helpers/browser.js';
import { postGraphQL } from '../helpers/gateway.js';

async function signIn(client: WebClient, user: string, acr = 'urn:mace:incommon:iap:silver') {
  const login = await client.authorize({ acr_values: acr });
  return login.finish(await client.password(login.landing, user));
}

describe('logout at the provider (OIDC Back-Channel Logout)', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startDevGateway();
  });
  afterAll(() => gateway.close());

  it("makes the gateway refuse the session's unexpired access token as invalid_token", async () => {
    const client = new WebClient(gateway.issuer);
    const tokens = await signIn(client, 'alice');
    const before = await postGraphQL(gateway.url, '{ viewer { login } }', { token: tokens.access_token });

    // RP-initiated logout at the provider: its confirmation form, then "Yes, sign me out".
    const confirm = await client.browser.request(new URL('/session/end', gateway.issuer).href);
    expect(titleOf(confirm)).toBe('Sign out');
    const done = await client.browser.submit(confirm, '/session/end/confirm', { logout: 'yes' });
    expect(titleOf(done)).toBe('Signed out');

    const after = await postGraphQL(gateway.url, '{ viewer { login } }', { token: tokens.access_token });
    expect([before.status, after.status, after.body.errors?.[0]?.message]).toEqual([
      200,
      401,
      'The access token is not valid: the session of the token has ended (logout)',
    ]);
  });
});

describe('opaque access tokens (RFC 7662 introspection)', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startDevGateway({ file: { opaqueTokens: true } });
  });
  afterAll(() => gateway.close());

  it('introspects an opaque token at the provider and reads acr and auth_time from the answer', async () => {
    const client = new WebClient(gateway.issuer);
    const tokens = await signIn(client, 'alice');
    expect(tokens.access_token.split('.')).toHaveLength(1);
    const { body } = await postGraphQL(gateway.url, '{ viewer { login email paymentMethods { last4 } } }', { token: tokens.access_token });
    expect(body).toMatchObject({
      data: { viewer: { login: 'alice', email: 'alice@guthib.example', paymentMethods: null } },
      errors: [{ extensions: { code: 'STEP_UP_REQUIRED', requiredAcr: 'HIGH' } }],
    });
  });

  it('refuses a token the provider says is not active with 401 invalid_token', async () => {
    const { status, body } = await postGraphQL(gateway.url, '{ viewer { login } }', { token: 'bm90LWEtcmVhbC10b2tlbi1hdC1hbGwtYXQtYWxsLTQy' });
    expect([status, body.errors?.[0]?.message]).toEqual([401, 'The access token is not valid: the token is not active']);
  });
});
