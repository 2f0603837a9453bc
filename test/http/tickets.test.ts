import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStepUpFetch } from '../../src/client/index.js';
import { loadConfig } from '../../src/config.js';
import { GOLD, startHarness, T0, writeConfigFile, type Harness } from '../helpers/gateway.js';

/**
 * Transaction tickets (`approvals.tickets`, off by default): for providers without RFC 9396, a bound call's
 * challenge carries a gateway-signed ticket, redeemed once by a retry whose token's login came after it.
 */
const SECRET = 'a-ticket-secret-of-at-least-32-bytes!';
const transfer = (repositoryId: string) => `mutation { transferRepositoryOwnership(repositoryId: "${repositoryId}", newOwner: "bob") { owner { login } } }`;
const ticketOf = (header: string | null) => /transaction_ticket="([^"]*)"/.exec(header ?? '')?.[1];

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ file: { approvals: { tickets: true } }, env: { STEP_UP_TICKET_SECRET: SECRET } });
});
afterAll(() => h.close());
beforeEach(() => h.setNow(T0));

/** A gold login of alice `at` (no authorization_details: the provider knows nothing of RAR). */
const login = (at: number, sub = 'alice', sid = 'session-1') => h.issuer.sign({ sub, acr: GOLD, auth_time: at, iat: at, sid });
/** The ticket a refused transfer of `repositoryId` was given, at T0. */
async function challenged(repositoryId: string): Promise<string> {
  const { headers, body } = await h.post(transfer(repositoryId), { token: await login(T0 - 10) });
  const ticket = ticketOf(headers.get('www-authenticate'));
  expect(body.errors?.[0]?.extensions?.['transactionTicket']).toBe(ticket);
  return ticket!;
}
const retry = async (repositoryId: string, ticket: string, token: string) => (await redeem(repositoryId, ticket, token)).status;
async function redeem(repositoryId: string, ticket: string, token: string) {
  const response = await fetch(h.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'step-up-ticket': ticket },
    body: JSON.stringify({ query: transfer(repositoryId) }),
  });
  const body = (await response.json()) as { errors?: Array<{ extensions?: Record<string, unknown> }> };
  return { status: response.status, extensions: body.errors?.[0]?.extensions };
}
const ownerOf = async (key: string) => (await h.source.repositoriesByKey([key]))[0]?.ownerLogin;

describe('a transaction ticket', () => {
  it('comes with the insufficient_authorization challenge of a bound call', async () => {
    expect((await challenged('Repository:1')).split('.')).toHaveLength(3);
  });

  it('approves the call with a login one second after it, once', async () => {
    const ticket = await challenged('Repository:1');
    h.setNow(T0 + 1);
    const first = await redeem('Repository:1', ticket, await login(T0 + 1));
    // Another login (another session): the ticket is used, whatever token brings it.
    const again = await redeem('Repository:1', ticket, await login(T0 + 1, 'alice', 'session-2'));
    expect([first.status, again.status, again.extensions?.['code'], again.extensions?.['used'], await ownerOf('1')]).toEqual([
      200,
      401,
      'APPROVAL_REQUIRED',
      true,
      'bob',
    ]);
  });

  it('does not approve with a login in the same second it was issued', async () => {
    const ticket = await challenged('Repository:2');
    expect([await retry('Repository:2', ticket, await login(T0)), await ownerOf('2')]).toEqual([401, 'alice']);
  });

  it('does not approve another call', async () => {
    const ticket = await challenged('Repository:2');
    h.setNow(T0 + 1);
    expect([await retry('Repository:3', ticket, await login(T0 + 1)), await ownerOf('3')]).toEqual([401, 'bob']);
  });

  it('does not approve for another subject', async () => {
    const ticket = await challenged('Repository:2');
    h.setNow(T0 + 1);
    expect([await retry('Repository:2', ticket, await login(T0 + 1, 'bob')), await ownerOf('2')]).toEqual([401, 'alice']);
  });

  it('is refused when it was not signed by this gateway', async () => {
    const ticket = await challenged('Repository:2');
    h.setNow(T0 + 1);
    const forged = `${ticket.slice(0, ticket.lastIndexOf('.'))}.${Buffer.alloc(32).toString('base64url')}`;
    expect(await retry('Repository:2', forged, await login(T0 + 1))).toBe(401);
  });
});

describe('the ticket configuration', () => {
  it('is off by default: a challenge carries no ticket', async () => {
    const plain = await startHarness();
    const { headers } = await plain.post(transfer('Repository:1'), { token: await plain.issuer.sign({ acr: GOLD, auth_time: T0 }) });
    await plain.close();
    expect([headers.get('www-authenticate')?.includes('insufficient_authorization'), ticketOf(headers.get('www-authenticate'))]).toEqual([true, undefined]);
  });

  it('refuses to start with an issuer and no STEP_UP_TICKET_SECRET, naming it', () => {
    expect(() =>
      loadConfig({ OIDC_ISSUER: 'https://issuer.example', OIDC_AUDIENCE: 'api', STEP_UP_CONFIG: writeConfigFile({ approvals: { tickets: true } }) }),
    ).toThrow('config "approvals.tickets" needs STEP_UP_TICKET_SECRET (at least 32 bytes, the same on every replica)');
  });
});

describe('step-up-gateway/client with tickets', () => {
  it('sends the ticket back with its one replay, after a new login at a provider without RFC 9396', async () => {
    let token = await login(T0 - 10);
    const asked: unknown[] = [];
    const stepUpFetch = createStepUpFetch({
      accessToken: () => token,
      async stepUp(request) {
        asked.push(request.authorizationDetails);
        // The provider signs alice in again a second later, and knows nothing of authorization_details.
        h.setNow(T0 + 1);
        token = await login(T0 + 1, 'alice', 'client-session');
      },
    });
    const response = await stepUpFetch(h.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: transfer('Repository:2') }),
    });
    expect([response.status, asked.length, await ownerOf('2')]).toEqual([200, 1, 'bob']);
  });
});
