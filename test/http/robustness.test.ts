import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startGateway } from '../../src/server.js';
import { createGutHibGraph, gutHibTypeDefs } from '../../examples/guthib/index.js';
import { GOLD, postGraphQL, startHarness, T0, type Harness } from '../helpers/gateway.js';
import { SILENT } from '../helpers/logs.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const raw = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(h.gateway.url, { method: 'POST', headers, body }).then(async (response) => ({
    status: response.status,
    body: (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> },
  }));

describe('bad input gets a clear 4xx with a stable code', () => {
  it('answers a body that is not JSON with 400 BAD_REQUEST', async () => {
    const { status, body } = await raw('{"query": ');
    expect([status, body.errors?.[0]?.extensions?.code]).toEqual([400, 'BAD_REQUEST']);
  });

  it('answers a body over the limit with 413 BAD_REQUEST', async () => {
    const { status, body } = await raw(JSON.stringify({ query: `{ repositories { name } } #${'x'.repeat(1_100_000)}` }));
    expect([status, body.errors?.[0]?.extensions?.code]).toEqual([413, 'BAD_REQUEST']);
  });

  it('answers a document that does not parse with 400 GRAPHQL_PARSE_FAILED', async () => {
    const { status, body } = await postGraphQL(h.gateway.url, '{ repositories { ');
    expect([status, body.errors?.[0]?.extensions?.['code']]).toEqual([400, 'GRAPHQL_PARSE_FAILED']);
  });

  it('answers an unknown field with 400 GRAPHQL_VALIDATION_FAILED', async () => {
    const { status, body } = await postGraphQL(h.gateway.url, '{ secrets }');
    expect([status, body.errors?.[0]?.extensions?.['code']]).toEqual([400, 'GRAPHQL_VALIDATION_FAILED']);
  });

  it('answers a variable of the wrong type in a query with 400 BAD_USER_INPUT', async () => {
    const { status, body } = await postGraphQL(h.gateway.url, 'query ($n: Int) { repositories(first: $n) { name } }', { variables: { n: 'many' } });
    expect([status, body.errors?.[0]?.extensions?.['code']]).toEqual([400, 'BAD_USER_INPUT']);
  });

  it('answers a page size over 100 with BAD_USER_INPUT', async () => {
    const { body } = await postGraphQL(h.gateway.url, '{ repositories(first: 1000) { name } }');
    expect(body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('answers an unknown path with 404', async () => {
    const response = await fetch(new URL('/nothing', h.gateway.url));
    expect(response.status).toBe(404);
  });

  it('serves a query over GET', async () => {
    const url = new URL(h.gateway.url);
    url.searchParams.set('query', '{ repository(owner: "bob", name: "dotfiles") { stars } }');
    const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(await response.json()).toEqual({ data: { repository: { stars: 7 } } });
  });

  it('refuses a mutation over GET with 405', async () => {
    const url = new URL(h.gateway.url);
    url.searchParams.set('query', 'mutation { starRepository(id: "Repository:1") { stars } }');
    const response = await fetch(url, {
      headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${await h.issuer.sign({ acr: GOLD, auth_time: T0 })}` },
    });
    expect(response.status).toBe(405);
  });

  it('keeps stack traces out of error responses', async () => {
    const { body } = await postGraphQL(h.gateway.url, '{ repositories(first: 1000) { name } }');
    expect(JSON.stringify(body)).not.toContain('stacktrace');
  });
});

describe('the issuer out of reach', () => {
  it('answers a token with 503 AUTH_UNAVAILABLE and still serves anonymous callers', async () => {
    const gateway = await startGateway(loadConfig({ PORT: '0', HOST: '127.0.0.1', OIDC_ISSUER: 'http://127.0.0.1:9', OIDC_AUDIENCE: 'guthib-api' }), {
      logger: SILENT,
      graph: createGutHibGraph(),
    });
    try {
      const withToken = await postGraphQL(gateway.url, '{ repositories { name } }', { token: await h.issuer.sign() });
      const anonymous = await postGraphQL(gateway.url, '{ repositories { name } }');
      expect([withToken.status, withToken.body.errors?.[0]?.extensions?.['code'], anonymous.status]).toEqual([503, 'AUTH_UNAVAILABLE', 200]);
    } finally {
      await gateway.close();
    }
  });
});

describe('start-up', () => {
  it('logs the policy lint findings of the schema it serves', async () => {
    const warnings: string[] = [];
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', OIDC_ISSUER: 'http://127.0.0.1:9', OIDC_AUDIENCE: 'x' });
    const graph = { ...createGutHibGraph(), typeDefs: `${gutHibTypeDefs()}\nextend type Mutation { deleteEverything: Boolean }` };
    const gateway = await startGateway(config, { logger: SILENT, graph, warn: (message) => warnings.push(message) });
    await gateway.close();
    expect(warnings.filter((warning) => warning.startsWith('policy lint'))).toEqual([
      'policy lint (unprotected-mutation): Mutation.deleteEverything is a mutation without @isAuthenticated: anyone may call it',
    ]);
  });

  it('stops on a schema naming an unknown level, naming the coordinate', async () => {
    const config = loadConfig({ PORT: '0', OIDC_ISSUER: 'http://127.0.0.1:9', OIDC_AUDIENCE: 'x' });
    const graph = { ...createGutHibGraph(), typeDefs: `${gutHibTypeDefs()}\nextend type Query { vault: String @isAuthenticated(acrValue: PLATINUM) }` };
    await expect(startGateway(config, { logger: SILENT, graph })).rejects.toThrow(
      new TypeError('@isAuthenticated on Query.vault: unknown ACR level "PLATINUM"; the ladder has LOW, MEDIUM, HIGH'),
    );
  });
});
