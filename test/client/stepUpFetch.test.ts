import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStepUpFetch, type StepUpChallenge, type StepUpRequest } from '../../src/client/index.js';
import { GOLD, SILVER, startHarness, T0, transferApproval, type Harness } from '../helpers/gateway.js';

const CAN_REAUTHENTICATE = 'https://authgear.com/claims/user/can_reauthenticate';
const UPDATE_EMAIL = 'mutation Update($email: String!) { updateEmail(email: $email) { email } }';
const TRANSFER = 'mutation Transfer($id: ID!) { transferRepositoryOwnership(repositoryId: $id, newOwner: "bob") { name owner { login } } }';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

/** What went over the wire: each request's body and the token it carried. */
interface Sent {
  readonly body: string;
  readonly token: string | undefined;
}

let logins = 0;
/** What a provider answers a step-up with: a new gold login, carrying the approvals asked (RFC 9396). */
const provider = (request: StepUpRequest) =>
  h.issuer.sign({
    acr: GOLD,
    auth_time: T0,
    sid: `stepped-up-${++logins}`,
    ...(request.authorizationDetails === undefined ? {} : { authorization_details: request.authorizationDetails }),
  });

/**
 * A step-up fetch against the gateway whose `stepUp` swaps the token for `next(request)` (`provider` by default),
 * recording every request sent, every step-up asked and every challenge handed back.
 */
function client(options: { token?: string; next?: (request: StepUpRequest) => Promise<string>; signIn?: boolean; stripHeader?: boolean } = {}) {
  let token = options.token;
  const sent: Sent[] = [];
  const stepUps: StepUpRequest[] = [];
  const handedBack: StepUpChallenge[] = [];
  const stepUpFetch = createStepUpFetch({
    accessToken: () => token,
    async stepUp(request) {
      stepUps.push(request);
      token = await (options.next ?? provider)(request);
    },
    onChallenge: (challenge) => void handedBack.push(challenge),
    ...(options.signIn === undefined ? {} : { signIn: options.signIn }),
    async fetch(input, init) {
      sent.push({ body: String(init?.body), token: new Headers(init?.headers).get('authorization')?.slice('Bearer '.length) });
      const response = await fetch(input, init);
      if (options.stripHeader !== true) return response;
      // A cross-origin browser without Access-Control-Expose-Headers: the body must be enough.
      const headers = new Headers(response.headers);
      headers.delete('www-authenticate');
      return new Response(await response.text(), { status: response.status, headers });
    },
  });
  const run = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await stepUpFetch(h.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return {
      status: response.status,
      body: (await response.json()) as { data?: Record<string, unknown>; errors?: Array<{ extensions?: Record<string, unknown> }> },
    };
  };
  return { run, sent, stepUps, handedBack };
}

const silver = () => h.issuer.sign({ acr: SILVER, auth_time: T0 });

describe('createStepUpFetch against the gateway', () => {
  it('steps up a refused mutation and replays it once with the new token', async () => {
    const c = client({ token: await silver() });
    const { status, body } = await c.run(UPDATE_EMAIL, { email: 'alice@new.example' });
    expect([status, body, c.stepUps.length, c.sent.length]).toEqual([200, { data: { updateEmail: { email: 'alice@new.example' } } }, 1, 2]);
  });

  it('asks stepUp for what the challenge says', async () => {
    const c = client({ token: await silver() });
    await c.run(UPDATE_EMAIL, { email: 'alice@new.example' });
    expect(c.stepUps[0]).toMatchObject({ kind: 'step-up', acrValues: [GOLD], maxAge: 60, requiredAcr: 'HIGH', forceLogin: false });
  });

  it('steps up a 200 partial answer and returns the complete one', async () => {
    const c = client({ token: await silver() });
    const { body } = await c.run('{ viewer { login paymentMethods { last4 } } }');
    expect([body.errors, (body.data?.['viewer'] as { paymentMethods: unknown[] }).paymentMethods.length > 0]).toEqual([undefined, true]);
  });

  it('steps up from the body alone when the header is not exposed', async () => {
    const c = client({ token: await silver(), stripHeader: true });
    const { status } = await c.run(UPDATE_EMAIL, { email: 'alice@new.example' });
    expect([status, c.stepUps[0]?.maxAge]).toEqual([200, 60]);
  });

  it('steps up once for concurrent failures and replays each once with its own variables', async () => {
    const c = client({ token: await silver() });
    const emails = ['one@new.example', 'two@new.example', 'three@new.example'];
    const answers = await Promise.all([...emails.map((email) => c.run(UPDATE_EMAIL, { email })), c.run('{ viewer { paymentMethods { last4 } } }')]);
    const sentEmails = c.sent
      .filter((one) => one.body.includes('updateEmail'))
      .map((one) => (JSON.parse(one.body) as { variables: { email: string } }).variables.email);
    expect({
      stepUps: c.stepUps.length,
      statuses: answers.map((answer) => answer.status),
      emails: answers.slice(0, 3).map((answer) => (answer.body.data?.['updateEmail'] as { email: string }).email),
      sent: c.sent.length,
    }).toEqual({ stepUps: 1, statuses: [200, 200, 200, 200], emails, sent: 8 });
    expect(sentEmails.sort()).toEqual([...emails, ...emails].sort());
  });

  it('hands a second challenge after the step-up to the app and does not retry', async () => {
    const c = client({ token: await silver(), next: silver });
    const { status, body } = await c.run(UPDATE_EMAIL, { email: 'alice@new.example' });
    expect([status, body.errors?.[0]?.extensions?.['code'], c.stepUps.length, c.sent.length, c.handedBack.map((one) => one.kind)]).toEqual([
      401,
      'STEP_UP_REQUIRED',
      1,
      2,
      ['step-up'],
    ]);
  });

  it('asks a forced new login, with the approval of the next transfer, after a used one-time step-up, and the transfer runs', async () => {
    const approvals = ['Repository:1', 'Repository:2'].map((id) => transferApproval(id, 'bob'));
    const c = client({ token: await h.issuer.sign({ acr: GOLD, auth_time: T0 - 5, sid: 'once', authorization_details: approvals }) });
    const first = await c.run(TRANSFER, { id: 'Repository:1' });
    const second = await c.run(TRANSFER, { id: 'Repository:2' });
    expect([first.status, second.status, c.stepUps.map((one) => [one.forceLogin, one.maxAge, one.authorizationDetails])]).toEqual([
      200,
      200,
      [[true, 0, [transferApproval('Repository:2', 'bob')]]],
    ]);
  });

  it('asks the approval a transfer needs and replays the identical request with the token that carries it', async () => {
    const c = client({ token: await h.issuer.sign({ acr: GOLD, auth_time: T0 }) });
    const { status } = await c.run(TRANSFER, { id: 'Repository:1' });
    expect([status, c.stepUps.map((one) => one.authorizationDetails), c.sent[0]!.body === c.sent[1]!.body]).toEqual([
      200,
      [[transferApproval('Repository:1', 'bob')]],
      true,
    ]);
  });

  it('asks a second approval for a second concurrent transfer: one step-up each, one after the other', async () => {
    const c = client({ token: await silver() });
    const answers = await Promise.all([c.run(TRANSFER, { id: 'Repository:1' }), c.run(TRANSFER, { id: 'Repository:2' })]);
    expect([answers.map((answer) => answer.status), c.stepUps.map((one) => one.authorizationDetails?.length), c.handedBack]).toEqual([[200, 200], [1, 1], []]);
  });

  it('replays once and hands the challenge back when the new token still lacks the approval', async () => {
    const c = client({ token: await silver(), next: () => h.issuer.sign({ acr: GOLD, auth_time: T0, sid: 'no-approval' }) });
    const { status } = await c.run(TRANSFER, { id: 'Repository:1' });
    expect([status, c.sent.length, c.handedBack.map((one) => one.authorizationDetails)]).toEqual([401, 2, [[transferApproval('Repository:1', 'bob')]]]);
  });

  it('never calls stepUp for STEP_UP_IMPOSSIBLE and hands it to the app', async () => {
    const c = client({ token: await h.issuer.sign({ acr: SILVER, auth_time: T0, [CAN_REAUTHENTICATE]: false }) });
    const { status } = await c.run(TRANSFER, { id: 'Repository:1' });
    expect([status, c.stepUps.length, c.sent.length, c.handedBack.map((one) => one.kind)]).toEqual([403, 0, 1, ['impossible']]);
  });

  it('signs an anonymous caller in through stepUp and replays', async () => {
    const c = client();
    const { body } = await c.run('{ viewer { login } }');
    expect([body.data, c.stepUps.map((one) => one.kind), c.sent.map((one) => one.token === undefined)]).toEqual([
      { viewer: { login: 'alice' } },
      ['sign-in'],
      [true, false],
    ]);
  });

  it('hands an anonymous caller’s challenge back with signIn: false', async () => {
    const c = client({ signIn: false });
    const { body } = await c.run('{ viewer { login } }');
    expect([body.data, c.stepUps.length, c.handedBack.map((one) => one.kind)]).toEqual([{ viewer: null }, 0, ['sign-in']]);
  });

  it('fails the operation with the error of a failed step-up', async () => {
    const c = client({ token: await silver(), next: () => Promise.reject(new Error('popup closed')) });
    await expect(c.run(UPDATE_EMAIL, { email: 'alice@new.example' })).rejects.toThrow('popup closed');
  });

  it('passes an answer without a challenge through untouched, with one request', async () => {
    const c = client({ token: await h.issuer.sign({ acr: GOLD, auth_time: T0 }) });
    const { status } = await c.run('{ viewer { login } }');
    expect([status, c.sent.length, c.stepUps.length]).toEqual([200, 1, 0]);
  });
});
