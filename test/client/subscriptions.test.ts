import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApolloClient, gql, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import WebSocket from 'ws';
import { createStepUpSubscriptions, type StepUpRequest, type StepUpSubscriptions, type StepUpSubscriptionsOptions } from '../../src/client/index.js';
import { GOLD, SILVER, BRONZE, startHarness, T0, type Harness } from '../helpers/gateway.js';
import { countStarListeners, wsUrlOf } from '../helpers/subscriber.js';

const MEDIUM_MAX_AGE = 43_200;
const STARRED = 'subscription { repositoryStarred { repository { name } by { login } } }';

let h: Harness;
let client: StepUpSubscriptions | undefined;
/** Star listeners open in the example's source now. */
let listeners: () => number;

const moveTo = (seconds: number) => {
  h.setNow(seconds);
  vi.setSystemTime(seconds * 1000);
};
const star = async () => {
  const answer = await h.post('mutation { starRepository(id: "Repository:1") { stars } }', {
    token: await h.issuer.sign({ sub: 'bob', acr: BRONZE, auth_time: h.now() }),
  });
  expect(answer.body.errors).toBeUndefined();
};
const until = async (condition: () => boolean) => {
  for (let i = 0; i < 150 && !condition(); i += 1) await new Promise((done) => setTimeout(done, 20));
  expect(condition()).toBe(true);
};

/** `createStepUpSubscriptions` against the harness's gateway, on a `ws` socket. */
const subscriptionsAt = (options: Omit<StepUpSubscriptionsOptions, 'url' | 'webSocketImpl'>) =>
  createStepUpSubscriptions({ url: wsUrlOf(h.gateway.url), webSocketImpl: WebSocket, ...options });

/**
 * A silver session valid until `expiresAt`, as the client's options: its step-up records each request and
 * signs a fresh silver token, valid `renewedFor` seconds when given.
 */
async function silverSession(expiresAt: number, renewedFor?: number) {
  let token = await h.issuer.sign({ acr: SILVER, auth_time: T0, exp: expiresAt });
  const asked: StepUpRequest[] = [];
  return {
    asked,
    accessToken: () => token,
    stepUp: async (request: StepUpRequest) => {
      asked.push(request);
      token = await h.issuer.sign({ acr: SILVER, auth_time: h.now(), ...(renewedFor === undefined ? {} : { exp: h.now() + renewedFor }) });
    },
  };
}

/** What the app's sink saw. */
function collect() {
  const seen: Array<{ kind: string; value?: unknown }> = [];
  return {
    seen,
    sink: {
      next: (value: unknown) => void seen.push({ kind: 'next', value }),
      error: (value: unknown) => void seen.push({ kind: 'error', value }),
      complete: () => void seen.push({ kind: 'complete' }),
    },
  };
}

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0 * 1000);
  h = await startHarness();
  listeners = countStarListeners(h.source);
});
afterEach(async () => {
  await client?.dispose();
  client = undefined;
  await h.close();
  vi.useRealTimers();
});

describe('createStepUpSubscriptions', () => {
  it('steps up once when the level decays, resubscribes with the new token, and the app sees only events', async () => {
    const session = await silverSession(T0 + 2 * MEDIUM_MAX_AGE);
    const { asked } = session;
    client = subscriptionsAt(session);
    const { seen, sink } = collect();
    client.subscribe({ query: STARRED }, sink);
    await until(() => listeners() === 1);
    await star();
    await until(() => seen.length === 1);
    moveTo(T0 + MEDIUM_MAX_AGE + 1);
    await star();
    await until(() => asked.length === 1 && listeners() === 1);
    await star();
    await until(() => seen.length === 2);
    expect(asked).toMatchObject([{ kind: 'step-up', acrValues: [SILVER, GOLD], maxAge: MEDIUM_MAX_AGE, forceLogin: false }]);
    expect(seen).toEqual([
      { kind: 'next', value: { data: { repositoryStarred: { repository: { name: 'gut' }, by: { login: 'bob' } } } } },
      { kind: 'next', value: { data: { repositoryStarred: { repository: { name: 'gut' }, by: { login: 'bob' } } } } },
    ]);
  });

  it('steps up again when the resubscribed feed decays in its turn', async () => {
    const session = await silverSession(T0 + 2 * MEDIUM_MAX_AGE, 2 * MEDIUM_MAX_AGE);
    client = subscriptionsAt(session);
    const { seen, sink } = collect();
    client.subscribe({ query: STARRED }, sink);
    await until(() => listeners() === 1);
    moveTo(T0 + MEDIUM_MAX_AGE + 1);
    await star();
    await until(() => session.asked.length === 1 && listeners() === 1);
    // No event since the step-up: the second decay is told from a step-up that did not help by the max age.
    moveTo(T0 + 2 * MEDIUM_MAX_AGE + 2);
    await star();
    await until(() => session.asked.length === 2 && listeners() === 1);
    await star();
    await until(() => seen.length === 1);
    expect(seen).toEqual([{ kind: 'next', value: { data: { repositoryStarred: { repository: { name: 'gut' }, by: { login: 'bob' } } } } }]);
  });

  it('hands the end to the app when the resubscription is refused at once: one step-up, never a loop', async () => {
    const token = await h.issuer.sign({ acr: SILVER, auth_time: T0, exp: T0 + 2 * MEDIUM_MAX_AGE });
    const challenges: unknown[] = [];
    let stepUps = 0;
    client = subscriptionsAt({
      accessToken: () => token,
      // A step-up that "succeeds" without a better token: the same old one comes back.
      stepUp: async () => void (stepUps += 1),
      onChallenge: (challenge) => void challenges.push(challenge),
    });
    const { seen, sink } = collect();
    client.subscribe({ query: STARRED }, sink);
    await until(() => listeners() === 1);
    moveTo(T0 + MEDIUM_MAX_AGE + 1);
    await star();
    await until(() => seen.length === 2);
    expect(seen).toMatchObject([{ kind: 'next', value: { errors: [{ extensions: { code: 'STEP_UP_REQUIRED' } }] } }, { kind: 'complete' }]);
    expect([stepUps, challenges]).toMatchObject([1, [{ kind: 'step-up', maxAge: MEDIUM_MAX_AGE }]]);
    expect(listeners()).toBe(0);
  });

  it('signs in again after the token expired and the gateway closed with 4403, then resubscribes', async () => {
    const session = await silverSession(T0 + 600);
    const { asked } = session;
    client = subscriptionsAt(session);
    const { seen, sink } = collect();
    client.subscribe({ query: STARRED }, sink);
    await until(() => listeners() === 1);
    moveTo(T0 + 660);
    await star();
    await until(() => asked.length === 1 && listeners() === 1);
    await star();
    await until(() => seen.length === 1);
    expect(asked).toMatchObject([{ kind: 'sign-in' }]);
    expect(seen).toEqual([{ kind: 'next', value: { data: { repositoryStarred: { repository: { name: 'gut' }, by: { login: 'bob' } } } } }]);
  });

  it('hands the end to the app when the step-up fails, and resubscribes nothing', async () => {
    const token = await h.issuer.sign({ acr: SILVER, auth_time: T0, exp: T0 + 2 * MEDIUM_MAX_AGE });
    client = subscriptionsAt({
      accessToken: () => token,
      stepUp: () => Promise.reject(new Error('the user closed the popup')),
    });
    const { seen, sink } = collect();
    client.subscribe({ query: STARRED }, sink);
    await until(() => listeners() === 1);
    moveTo(T0 + MEDIUM_MAX_AGE + 1);
    await star();
    await until(() => seen.length === 2);
    expect(seen).toMatchObject([{ kind: 'next', value: { errors: [{ extensions: { code: 'STEP_UP_REQUIRED' } }] } }, { kind: 'complete' }]);
    expect(listeners()).toBe(0);
  });

  it('steps up behind Apollo Client’s GraphQLWsLink, and the subscription goes on', async () => {
    const session = await silverSession(T0 + 2 * MEDIUM_MAX_AGE);
    client = subscriptionsAt(session);
    const apollo = new ApolloClient({ cache: new InMemoryCache(), link: new GraphQLWsLink(client.client) });
    const seen: unknown[] = [];
    const subscription = apollo.subscribe({ query: gql(STARRED) }).subscribe({ next: (result) => void seen.push(result.data) });
    await until(() => listeners() === 1);
    moveTo(T0 + MEDIUM_MAX_AGE + 1);
    await star();
    await until(() => session.asked.length === 1 && listeners() === 1);
    await star();
    await until(() => seen.length === 1);
    expect(seen).toEqual([
      {
        repositoryStarred: { __typename: 'RepositoryStarred', repository: { __typename: 'Repository', name: 'gut' }, by: { __typename: 'User', login: 'bob' } },
      },
    ]);
    subscription.unsubscribe();
    await until(() => listeners() === 0);
  });
});
