import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { stepUpSubgraphTypeDefs } from '../../src/federation/spec.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { createStepUpSubgraph } from '../../src/subgraph.js';
import { BRONZE, GOLD, postGraphQL, T0 } from '../helpers/gateway.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { capturedLogger } from '../helpers/logs.js';

/**
 * Fields the planner adds are decided like fields the caller wrote. `vault` publishes a HIGH `vaultPin` and
 * relies on the gateway (it enforces nothing itself); `lab` computes `pinHint` from it with @requires, `echo`
 * computes `pinEcho` from `pinHint` (two hops); `accounts` enforces its MEDIUM `email` again with the
 * gateway's identity, and `lab` echoes it with @requires; `notes` @provides `vaultPin`. Every subgraph
 * records the documents and variables it receives.
 */
const header = stepUpSubgraphTypeDefs(['@key', '@external', '@requires', '@provides', '@shareable']);
const USERS = ['alice', 'bob', 'carol'];

const SUBGRAPHS = {
  vault: {
    sdl: `${header} type User @key(fields: "id") { id: ID! vaultPin: String @isAuthenticated(acrValue: HIGH) code: String @shareable @isAuthenticated(acrValue: HIGH) }`,
    resolvers: { User: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, vaultPin: `PIN-${ref.id}`, code: `CODE-${ref.id}` }) } },
    enforces: false,
  },
  lab: {
    sdl: `${header}
      type Query { viewer: User labUsers(count: Int!): [User!]! }
      type User @key(fields: "id") {
        id: ID!
        login: String!
        vaultPin: String @external
        pinHint: String @requires(fields: "vaultPin")
        email: String @external
        emailEcho: String @requires(fields: "email")
      }`,
    resolvers: {
      Query: {
        viewer: () => ({ id: 'alice', login: 'alice' }),
        labUsers: (_: unknown, { count }: { count: number }) => USERS.slice(0, count).map((id) => ({ id, login: id })),
      },
      User: {
        __resolveReference: (ref: { id: string }) => ({ ...ref, login: ref.id }),
        pinHint: (user: { vaultPin?: unknown }) => `hint:${JSON.stringify(user.vaultPin)}`,
        emailEcho: (user: { email?: unknown }) => `echo:${JSON.stringify(user.email)}`,
      },
    },
    enforces: false,
  },
  echo: {
    sdl: `${header} type User @key(fields: "id") { id: ID! pinHint: String @external pinEcho: String @requires(fields: "pinHint") }`,
    resolvers: { User: { __resolveReference: (ref: object) => ref, pinEcho: (user: { pinHint?: unknown }) => `echo:${JSON.stringify(user.pinHint)}` } },
    enforces: false,
  },
  accounts: {
    sdl: `${header} type User @key(fields: "id") { id: ID! email: String @isAuthenticated(acrValue: MEDIUM) }`,
    resolvers: { User: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, email: `${ref.id}@example.test` }) } },
    enforces: true,
  },
  badges: {
    sdl: `${header} type User @key(fields: "id code") { id: ID! code: String @shareable badge: String }`,
    resolvers: { User: { __resolveReference: (ref: { id: string; code?: unknown }) => ({ ...ref, badge: `badge:${JSON.stringify(ref.code)}` }) } },
    enforces: false,
  },
  notes: {
    sdl: `${header}
      type Query { notes: [Note!]! }
      type Note { text: String! owner: User! @provides(fields: "vaultPin") }
      type User @key(fields: "id") { id: ID! vaultPin: String @external }`,
    resolvers: { Query: { notes: () => [{ text: 'n1', owner: { id: 'alice', vaultPin: 'PIN-from-notes' } }] } },
    enforces: false,
  },
} as const;

interface Received {
  readonly subgraph: string;
  readonly query: string;
  readonly variables: string;
}

let issuer: TestIssuer;
let gateway: Gateway;
const servers: ApolloServer[] = [];
const received: Received[] = [];
const logged = capturedLogger();

beforeAll(async () => {
  issuer = await startTestIssuer({ now: () => T0 });
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience });
  gateway = await startGateway(config, {
    logger: logged.logger,
    clock: () => T0,
    supergraph: async ({ identityJwksUrl, identityIssuer }) => {
      const started = await Promise.all(
        Object.entries(SUBGRAPHS).map(async ([name, { sdl, resolvers, enforces }]) => {
          const schema = buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: resolvers as never });
          const record: ApolloServerPlugin = {
            requestDidStart: async ({ request }) => {
              if (!request.query?.includes('_service'))
                received.push({ subgraph: name, query: request.query ?? '', variables: JSON.stringify(request.variables ?? {}) });
            },
          };
          const stepUp = enforces
            ? createStepUpSubgraph({ schema, issuer: identityIssuer, audience: name, jwksUrl: identityJwksUrl, clock: () => T0 })
            : undefined;
          const server = new ApolloServer({ schema: stepUp?.schema ?? schema, plugins: [record, ...(stepUp === undefined ? [] : [stepUp.plugin])] });
          servers.push(server);
          const { url } = await startStandaloneServer(server, {
            listen: { port: 0, host: '127.0.0.1' },
            ...(stepUp === undefined ? {} : { context: stepUp.context }),
          });
          return { name, url };
        }),
      );
      return { kind: 'subgraphs', subgraphs: started };
    },
  });
});
afterAll(async () => {
  await gateway.close();
  await Promise.all(servers.map((server) => server.stop()));
  await issuer.close();
});
beforeEach(() => {
  received.length = 0;
  logged.lines.length = 0;
});

const bronze = () => issuer.sign({ sub: 'alice', acr: BRONZE, auth_time: T0 });
const gold = () => issuer.sign({ sub: 'alice', acr: GOLD, auth_time: T0 });
const ask = async (query: string, token?: string) => postGraphQL(gateway.url, query, token === undefined ? {} : { token });
/** Everything the subgraphs received for the last operation, documents and variables. */
const upstream = () => received.map((entry) => `${entry.subgraph}: ${entry.query} ${entry.variables}`).join('\n');

describe('a field that @requires a protected field', () => {
  it('is refused to a bronze caller, and the protected field is never fetched nor handed on', async () => {
    const { body } = await ask('{ viewer { login pinHint } }', await bronze());
    expect(body.data).toEqual({ viewer: { login: 'alice', pinHint: null } });
    expect(body.errors).toMatchObject([{ path: ['viewer', 'pinHint'], extensions: { code: 'STEP_UP_REQUIRED', requiredAcr: 'HIGH' } }]);
    expect(received.map((entry) => entry.subgraph)).toEqual(['lab']);
    expect(upstream()).not.toMatch(/vaultPin|PIN-/);
  });

  it('is refused to an anonymous caller for every user of a list', async () => {
    const { body } = await ask('{ labUsers(count: 2) { login pinHint } }');
    expect(body.data).toEqual({
      labUsers: [
        { login: 'alice', pinHint: null },
        { login: 'bob', pinHint: null },
      ],
    });
    expect(body.errors?.map((error) => [error.path, error.extensions?.['code']])).toEqual([
      [['labUsers', 0, 'pinHint'], 'UNAUTHENTICATED'],
      [['labUsers', 1, 'pinHint'], 'UNAUTHENTICATED'],
    ]);
    expect(upstream()).not.toMatch(/vaultPin|PIN-/);
  });

  it('is served to a gold caller, computed from the protected field', async () => {
    const { body } = await ask('{ viewer { pinHint } }', await gold());
    expect(body).toEqual({ data: { viewer: { pinHint: 'hint:"PIN-alice"' } } });
    expect(upstream()).toContain('vaultPin');
  });

  it('is refused two hops away, with nothing of the chain fetched', async () => {
    const { body } = await ask('{ viewer { login pinEcho } }', await bronze());
    expect(body.data).toEqual({ viewer: { login: 'alice', pinEcho: null } });
    expect(body.errors).toMatchObject([{ path: ['viewer', 'pinEcho'], extensions: { code: 'STEP_UP_REQUIRED', requiredAcr: 'HIGH' } }]);
    expect(upstream()).not.toMatch(/vaultPin|pinHint|PIN-/);
  });

  it('is served two hops away to a gold caller', async () => {
    const { body } = await ask('{ viewer { pinEcho } }', await gold());
    expect(body).toEqual({ data: { viewer: { pinEcho: 'echo:"hint:\\"PIN-alice\\""' } } });
  });

  it('never sends a field that an enforcing subgraph would refuse, nor passes its refusal on as a value', async () => {
    const { body } = await ask('{ viewer { login emailEcho } }', await bronze());
    expect(body.data).toEqual({ viewer: { login: 'alice', emailEcho: null } });
    expect(body.errors).toMatchObject([{ path: ['viewer', 'emailEcho'], extensions: { code: 'STEP_UP_REQUIRED', requiredAcr: 'MEDIUM' } }]);
    expect(received.map((entry) => entry.subgraph)).toEqual(['lab']);
    expect(upstream()).not.toContain('email');
  });
});

describe('a field reached only through a key with a protected field', () => {
  it('is refused to a bronze caller, and the key field is never fetched nor sent as a representation', async () => {
    const { body } = await ask('{ viewer { login badge } }', await bronze());
    expect(body.data).toEqual({ viewer: { login: 'alice', badge: null } });
    expect(body.errors).toMatchObject([{ path: ['viewer', 'badge'], extensions: { code: 'STEP_UP_REQUIRED', requiredAcr: 'HIGH' } }]);
    expect(received.map((entry) => entry.subgraph)).toEqual(['lab']);
    expect(upstream()).not.toMatch(/code|CODE-/);
  });

  it('is served to a gold caller through the key', async () => {
    const { body } = await ask('{ viewer { badge } }', await gold());
    expect(body).toEqual({ data: { viewer: { badge: 'badge:"CODE-alice"' } } });
  });
});

describe('a @provides field', () => {
  it('is refused where provided and never asked of the providing subgraph', async () => {
    const { body } = await ask('{ notes { text owner { vaultPin } } }', await bronze());
    expect(body.data).toEqual({ notes: [{ text: 'n1', owner: { vaultPin: null } }] });
    expect(upstream()).not.toContain('vaultPin');
  });

  it('is served to a gold caller from the subgraph that provides it', async () => {
    const { body } = await ask('{ notes { owner { vaultPin } } }', await gold());
    expect(body).toEqual({ data: { notes: [{ owner: { vaultPin: 'PIN-from-notes' } }] } });
  });
});

describe('the policy the gateway reports', () => {
  it('shows the inherited requirement of a @requires field with where it comes from', () => {
    const entry = gateway.policy.fields.get('User.pinEcho');
    expect(entry?.requirement).toMatchObject({ level: 'HIGH' });
    expect(entry?.sources.map((source) => [source.kind, source.coordinate])).toEqual([['requires', 'User.pinHint']]);
  });
});
