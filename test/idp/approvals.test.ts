import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/server.js';
import { startDevGateway } from '../helpers/devGateway.js';
import { titleOf, WebClient, type Landing } from '../helpers/browser.js';
import { postGraphQL, transferApproval } from '../helpers/gateway.js';

/**
 * The dev provider and RFC 9396: the gateway's approval is shown to the user in words, approved by signing in,
 * and carried by the access token of that one code exchange.
 */
const GOLD = 'urn:mace:incommon:iap:gold';
const decode = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const htmlOf = (landing: Landing) => (landing.kind === 'page' ? landing.html : '');
const TRANSFER = 'mutation { transferRepositoryOwnership(repositoryId: "Repository:2", newOwner: "bob") { owner { login } } }';

async function approve(client: WebClient, details: readonly object[], extra: Record<string, string> = {}) {
  const request = await client.authorize({ acr_values: GOLD, prompt: 'login', authorization_details: JSON.stringify(details), ...extra });
  return { request, page: request.landing };
}

describe('approvals at the dev provider (JWT access tokens)', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startDevGateway();
  });
  afterAll(() => gateway.close());

  it('shows the transaction in words beside the password, values HTML-escaped', async () => {
    const { page } = await approve(new WebClient(gateway.issuer), [transferApproval('Repository:2', '<b>bob</b>')]);
    expect([titleOf(page), htmlOf(page)]).toEqual(['Sign in', expect.stringContaining('Approve: Transfer repository ownership')]);
    expect(htmlOf(page)).toContain('<li>new owner: <b>&#60;b&#62;bob&#60;/b&#62;</b></li><li>repository id: <b>Repository:2</b></li>');
  });

  it('shows it again beside the one-time code', async () => {
    const client = new WebClient(gateway.issuer);
    const { page } = await approve(client, [transferApproval('Repository:2', 'bob')]);
    const otp = await client.password(page, 'alice');
    expect([titleOf(otp), htmlOf(otp)]).toEqual(['One-time code', expect.stringContaining('new owner: <b>bob</b>')]);
  });

  // One gold login with the approval for the next two tests: a TOTP code is accepted once per account and 30 s.
  let approved: { access_token: string; refresh_token?: string; authorization_details?: unknown } | undefined;
  const details = [transferApproval('Repository:2', 'bob')];
  beforeAll(async () => {
    const client = new WebClient(gateway.issuer);
    const { request, page } = await approve(client, details);
    approved = await request.finish(await client.totp(await client.password(page, 'alice'), 'alice'));
  });

  it('puts exactly the approved details in the access token and the token response', () => {
    expect([decode(approved!.access_token)['authorization_details'], approved!.authorization_details]).toEqual([details, details]);
  });

  it('gives a refreshed access token no approval: an approval serves the one token the user approved', async () => {
    const response = await fetch(new URL('/token', gateway.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'guthib-web', grant_type: 'refresh_token', refresh_token: approved!.refresh_token! }),
    });
    const refreshed = (await response.json()) as { access_token: string };
    expect([response.status, decode(refreshed.access_token)['authorization_details']]).toEqual([200, undefined]);
  });

  it('asks a signed-in user to approve on a page of its own when no login is needed, and issues the approval after Approve', async () => {
    const client = new WebClient(gateway.issuer);
    const login = await client.authorize({ acr_values: GOLD });
    await login.finish(await client.totp(await client.password(login.landing, 'bob'), 'bob'));
    const own = [transferApproval('Repository:3', 'alice')];
    const again = await client.authorize({ authorization_details: JSON.stringify(own) });
    expect([titleOf(again.landing), htmlOf(again.landing)]).toEqual(['Approve', expect.stringContaining('repository id: <b>Repository:3</b>')]);
    const tokens = await again.finish(await client.browser.submit(again.landing, '/approve', {}));
    expect(decode(tokens.access_token)['authorization_details']).toEqual(own);
  });

  it('refuses an unknown type with invalid_authorization_details, issuing nothing', async () => {
    const { page } = await approve(new WebClient(gateway.issuer), [{ ...transferApproval('Repository:2', 'bob'), type: 'payment' }]);
    expect(page.kind === 'callback' && page.params.get('error')).toBe('invalid_authorization_details');
  });

  it('refuses an object with a member the gateway never asks for, issuing nothing', async () => {
    const { page } = await approve(new WebClient(gateway.issuer), [{ ...transferApproval('Repository:2', 'bob'), amount: 5 }]);
    expect(page.kind === 'callback' && page.params.get('error')).toBe('invalid_authorization_details');
  });
});

describe('approvals in opaque access tokens (RFC 9396 §9.2, introspection)', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startDevGateway({ file: { opaqueTokens: true } });
  });
  afterAll(() => gateway.close());

  it('lets the gateway read the approval from the introspection answer, and the transfer runs once', async () => {
    const client = new WebClient(gateway.issuer);
    const { request, page } = await approve(client, [transferApproval('Repository:2', 'bob')]);
    const tokens = await request.finish(await client.totp(await client.password(page, 'alice'), 'alice'));
    const first = await postGraphQL(gateway.url, TRANSFER, { token: tokens.access_token });
    const second = await postGraphQL(gateway.url, TRANSFER, { token: tokens.access_token });
    expect([tokens.access_token.split('.').length, first.status, first.body.data, second.status]).toEqual([
      1,
      200,
      { transferRepositoryOwnership: { owner: { login: 'bob' } } },
      401,
    ]);
  });
});
