import { ApolloClient, gql, InMemoryCache } from '@apollo/client';
import { cacheExchange, fetchExchange, gql as urqlGql } from '@urql/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStepUpLink } from '../../src/client/apollo.js';
import type { StepUpRequest } from '../../src/client/index.js';
import { createStepUpClient } from '../../src/client/urql.js';
import { GOLD, SILVER, startHarness, T0, type Harness } from '../helpers/gateway.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const TRANSFER = 'mutation Transfer($id: ID!, $to: String!) { transferRepositoryOwnership(repositoryId: $id, newOwner: $to) { name owner { login } } }';

/** The app's side: a token in memory, and a stepUp that signs in at gold (here: the test issuer mints it). */
async function session() {
  let token: string | undefined = await h.issuer.sign({ acr: SILVER, auth_time: T0 });
  const stepUps: StepUpRequest[] = [];
  return {
    stepUps,
    accessToken: () => token,
    async stepUp(request: StepUpRequest) {
      stepUps.push(request);
      // As a provider answers: a new gold login carrying the approvals asked (RFC 9396).
      token = await h.issuer.sign({ acr: GOLD, auth_time: T0, sid: 'adapters', authorization_details: request.authorizationDetails });
    },
  };
}

describe('the Apollo Client 4 link', () => {
  it('runs a mutation refused with 401 after one step-up', async () => {
    const { stepUps, accessToken, stepUp } = await session();
    const client = new ApolloClient({ cache: new InMemoryCache(), link: createStepUpLink({ uri: h.gateway.url, accessToken, stepUp }) });
    const { data } = await client.mutate({ mutation: gql(TRANSFER), variables: { id: 'Repository:1', to: 'bob' } });
    expect([data, stepUps.length]).toEqual([
      { transferRepositoryOwnership: { __typename: 'Repository', name: 'gut', owner: { __typename: 'User', login: 'bob' } } },
      1,
    ]);
  });

  it('completes a query whose protected field was refused, with one step-up for two queries', async () => {
    const { stepUps, accessToken, stepUp } = await session();
    const client = new ApolloClient({ cache: new InMemoryCache(), link: createStepUpLink({ uri: h.gateway.url, accessToken, stepUp }) });
    const [cards, email] = await Promise.all([
      client.query({ query: gql('{ viewer { id login paymentMethods { last4 } } }'), fetchPolicy: 'network-only' }),
      client.query({ query: gql('{ viewer { id login email } }'), fetchPolicy: 'network-only' }),
    ]);
    expect([cards.error, email.error, stepUps.length]).toEqual([undefined, undefined, 1]);
  });
});

describe('the urql 6 client', () => {
  it('runs a mutation refused with 401 after one step-up', async () => {
    const { stepUps, accessToken, stepUp } = await session();
    const client = createStepUpClient({ url: h.gateway.url, exchanges: [cacheExchange, fetchExchange], accessToken, stepUp });
    const result = await client.mutation(urqlGql(TRANSFER), { id: 'Repository:1', to: 'bob' }).toPromise();
    expect([result.error, result.data?.transferRepositoryOwnership?.owner, stepUps.length]).toEqual([undefined, { __typename: 'User', login: 'bob' }, 1]);
  });

  it('completes a query sent as GET after one step-up', async () => {
    const { stepUps, accessToken, stepUp } = await session();
    const methods: string[] = [];
    const recording = (input: string | URL | Request, init?: RequestInit) => (methods.push(init?.method ?? 'GET'), fetch(input, init));
    const client = createStepUpClient({ url: h.gateway.url, exchanges: [fetchExchange], accessToken, stepUp, fetch: recording });
    const result = await client.query(urqlGql('{ viewer { login paymentMethods { last4 } } }'), {}).toPromise();
    expect([result.error, result.data?.viewer?.login, stepUps.length, methods]).toEqual([undefined, 'alice', 1, ['GET', 'GET']]);
  });
});
