import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/server.js';
import { startDevGateway } from '../helpers/devGateway.js';
import { challengeParams, titleOf, WebClient } from '../helpers/browser.js';
import { postGraphQL } from '../helpers/gateway.js';

const TRANSFER = 'mutation { transferRepositoryOwnership(repositoryId: "Repository:1", newOwner: "bob") { name owner { login } } }';
/** `{"authorization_details":[…]}` of a challenge's `authorization_remediation`. */
const remediationOf = (header: string | null) =>
  JSON.parse(Buffer.from(/authorization_remediation="([^"]*)"/.exec(header ?? '')?.[1] ?? '', 'base64url').toString()) as { authorization_details: unknown[] };
const decode = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

describe('the step-up loop against the embedded OpenID Provider', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startDevGateway();
  });
  afterAll(() => gateway.close());

  it('goes from a silver token to a challenge, to TOTP and an approval built only from the challenge, to a transfer', async () => {
    const client = new WebClient(gateway.issuer);

    // 1. alice signs in with her password: silver.
    const first = await client.authorize({ acr_values: 'urn:mace:incommon:iap:silver' });
    expect(titleOf(first.landing)).toBe('Sign in');
    const silver = await first.finish(await client.password(first.landing, 'alice'));
    expect(decode(silver.access_token)).toMatchObject({ acr: 'urn:mace:incommon:iap:silver', amr: ['pwd'], aud: 'guthib-api' });

    // 2. The transfer is refused with an RFC 9470 challenge that names the approval it needs too.
    const refused = await postGraphQL(gateway.url, TRANSFER, { token: silver.access_token });
    expect([refused.status, refused.body.errors?.[0]?.extensions?.['code']]).toEqual([401, 'STEP_UP_REQUIRED']);
    const challenge = challengeParams(refused.headers.get('www-authenticate'));
    expect(challenge).toEqual({ acr_values: 'urn:mace:incommon:iap:gold', max_age: '300' });
    const { authorization_details: approval } = remediationOf(refused.headers.get('www-authenticate'));

    // 3. A new authorization request made only from the challenge: the transaction in words beside the password, then TOTP.
    const second = await client.authorize({ ...challenge, prompt: 'login', authorization_details: JSON.stringify(approval) });
    expect(titleOf(second.landing)).toBe('Sign in');
    expect(second.landing.kind === 'page' && second.landing.html).toContain('Approve: Transfer repository ownership');
    const afterPassword = await client.password(second.landing, 'alice');
    expect(titleOf(afterPassword)).toBe('One-time code');
    const gold = await second.finish(await client.totp(afterPassword, 'alice'));
    expect(decode(gold.access_token)).toMatchObject({ acr: 'urn:mace:incommon:iap:gold', amr: ['pwd', 'otp'], authorization_details: approval });

    // 4. The same operation now succeeds, once.
    const done = await postGraphQL(gateway.url, TRANSFER, { token: gold.access_token });
    expect([done.status, done.body]).toEqual([200, { data: { transferRepositoryOwnership: { name: 'gut', owner: { login: 'bob' } } } }]);
  });

  it('ends a request for an acr the provider does not know with unmet_authentication_requirements', async () => {
    const client = new WebClient(gateway.issuer);
    const { landing } = await client.authorize({ acr_values: 'urn:example:platinum' });
    expect(landing.kind === 'callback' && landing.params.get('error')).toBe('unmet_authentication_requirements');
  });

  it('keeps acr and auth_time when a token is refreshed', async () => {
    const client = new WebClient(gateway.issuer);
    const login = await client.authorize({ acr_values: 'urn:mace:incommon:iap:gold' });
    const tokens = await login.finish(await client.totp(await client.password(login.landing, 'bob'), 'bob'));
    const response = await fetch(new URL('/token', gateway.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'guthib-web', grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }),
    });
    const refreshed = (await response.json()) as { access_token: string };
    const [before, after] = [decode(tokens.access_token), decode(refreshed.access_token)];
    expect([after['acr'], after['auth_time']]).toEqual([before['acr'], before['auth_time']]);
  });
});

describe('the café', () => {
  // The gateway's clock runs 301 s ahead: alice's gold authentication is 301 s old to it.
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startDevGateway({ clockOffset: 301 });
  });
  afterAll(() => gateway.close());

  it('asks a gold session older than 300 s to re-authenticate for the transfer, while its cookie still browses', async () => {
    const client = new WebClient(gateway.issuer);
    const login = await client.authorize({ acr_values: 'urn:mace:incommon:iap:gold' });
    const gold = await login.finish(await client.totp(await client.password(login.landing, 'alice'), 'alice'));

    const transfer = await postGraphQL(gateway.url, TRANSFER, { token: gold.access_token });
    expect([transfer.status, challengeParams(transfer.headers.get('www-authenticate'))]).toEqual([
      401,
      { acr_values: 'urn:mace:incommon:iap:gold', max_age: '300' },
    ]);

    // The remembered session signs in silently (no page): a bronze token that can still browse.
    const browse = await client.authorize();
    expect(browse.landing.kind).toBe('callback');
    const bronze = await browse.finish(browse.landing);
    expect(decode(bronze.access_token)['acr']).toBe('urn:mace:incommon:iap:bronze');
    const viewer = await postGraphQL(gateway.url, '{ viewer { login } repositories { name } }', { token: bronze.access_token });
    expect(viewer.body.data).toEqual({ viewer: { login: 'alice' }, repositories: [{ name: 'gut' }, { name: 'website' }, { name: 'dotfiles' }] });
  });
});
