import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStepUp, type Principal } from 'step-up-gateway';
import { GOLD, postGraphQL, SILVER, T0 } from '../helpers/gateway.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';

const typeDefs = `
  type Query {
    hello: String
    secret: String @isAuthenticated(acrValue: HIGH)
  }
`;
const resolvers = {
  Query: {
    hello: () => 'world',
    secret: (_: unknown, __: unknown, context: { principal: Principal; team: string }) => `for ${context.principal.subject} of ${context.team}`,
  },
};
const QUERY = '{ hello secret }';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startTestIssuer({ now: () => T0, audience: 'my-api' });
});
afterAll(() => issuer.close());

/** createStepUp as the README shows it, on the fixed clock, with the team's own context field. */
const stepUpFor = () =>
  createStepUp({ typeDefs, resolvers, issuer: issuer.issuer, audience: 'my-api', clock: () => T0, context: () => ({ team: 'payments' }) });

describe('createStepUp in Apollo Server standalone', () => {
  let url: string;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    const stepUp = await stepUpFor();
    const server = new ApolloServer({ schema: stepUp.schema, plugins: [stepUp.plugin] });
    ({ url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' }, context: stepUp.context }));
    stop = () => server.stop();
  });
  afterAll(() => stop());

  it('answers a silver token with the public data, STEP_UP_REQUIRED at the secret and the RFC 9470 header', async () => {
    const { status, headers, body } = await postGraphQL(url, QUERY, { token: await issuer.sign({ acr: SILVER, auth_time: T0 }) });
    expect([status, body.data, body.errors?.[0]]).toMatchObject([
      200,
      { hello: 'world', secret: null },
      { path: ['secret'], extensions: { code: 'STEP_UP_REQUIRED' } },
    ]);
    expect(headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_user_authentication", error_description="Authentication at level HIGH within the last 300 seconds is required", acr_values="urn:mace:incommon:iap:gold", max_age="300"',
    );
  });

  it('serves the secret to a fresh gold token, with the team context beside the principal', async () => {
    const { body } = await postGraphQL(url, QUERY, { token: await issuer.sign({ acr: GOLD, auth_time: T0 - 10 }) });
    expect(body).toEqual({ data: { hello: 'world', secret: 'for alice of payments' } });
  });

  it('refuses an invalid token with 401 invalid_token before any resolver runs', async () => {
    const { status, headers, body } = await postGraphQL(url, QUERY, { token: await issuer.sign({ aud: 'another-api', acr: GOLD, auth_time: T0 }) });
    expect([status, headers.get('www-authenticate'), body.errors?.[0]?.extensions?.['code'], body.data]).toEqual([
      401,
      'Bearer error="invalid_token", error_description="the token is not meant for this audience"',
      'UNAUTHENTICATED',
      undefined,
    ]);
  });
});

describe('createStepUp in Express 5 (@as-integrations/express5)', () => {
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const stepUp = await stepUpFor();
    const server = new ApolloServer({ schema: stepUp.schema, plugins: [stepUp.plugin] });
    await server.start();
    const app = express();
    app.use('/graphql', express.json(), expressMiddleware(server, { context: stepUp.context }));
    const listener = await new Promise<ReturnType<typeof app.listen>>((done) => {
      const started = app.listen(0, '127.0.0.1', () => done(started));
    });
    url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/graphql`;
    close = async () => {
      await server.stop();
      await new Promise((done) => listener.close(done));
    };
  });
  afterAll(() => close());

  it('challenges a silver token and serves a fresh gold one', async () => {
    const silver = await postGraphQL(url, QUERY, { token: await issuer.sign({ acr: SILVER, auth_time: T0 }) });
    const gold = await postGraphQL(url, QUERY, { token: await issuer.sign({ acr: GOLD, auth_time: T0 }) });
    expect([
      silver.body.errors?.[0]?.extensions?.['code'],
      silver.headers.get('www-authenticate')?.includes('acr_values="urn:mace:incommon:iap:gold"'),
      gold.body.data,
    ]).toEqual(['STEP_UP_REQUIRED', true, { hello: 'world', secret: 'for alice of payments' }]);
  });
});
