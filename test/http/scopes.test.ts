import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { SILENT } from '../helpers/logs.js';

// Apollo Router's directives, declared by the graph itself as a supergraph written for the Router does.
const TYPE_DEFS = `
  directive @authenticated on FIELD_DEFINITION | OBJECT
  directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT

  type Query {
    motd: String
    me: String @authenticated
    auditLog: [String!] @requiresScopes(scopes: [["audit:read"], ["site:admin"]])
  }

  type Mutation {
    deleteRepository(name: String!): Boolean @requiresScopes(scopes: [["repo:admin", "repo:delete"], ["site:admin"]])
    rotateKeys: Boolean @isAuthenticated(acrValue: HIGH) @requiresScopes(scopes: [["site:admin"]])
  }
`;

/** 2027-01-15T08:00:00Z. */
const T0 = 1_800_000_000;
const GOLD = 'urn:mace:incommon:iap:gold';
const BRONZE = 'urn:mace:incommon:iap:bronze';

let issuer: TestIssuer;
let gateway: Gateway;
const deleted: string[] = [];

beforeAll(async () => {
  const clock = () => T0;
  issuer = await startTestIssuer({ now: clock });
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience });
  const resolvers = {
    Query: { motd: () => 'hello', me: () => 'alice', auditLog: () => ['alice signed in'] },
    Mutation: {
      deleteRepository: (_: unknown, { name }: { name: string }) => {
        deleted.push(name);
        return true;
      },
      rotateKeys: () => true,
    },
  };
  gateway = await startGateway(config, { logger: SILENT, graph: { typeDefs: TYPE_DEFS, resolvers }, clock, warn: () => {}, log: () => {} });
});

afterAll(async () => {
  await gateway?.close();
  await issuer?.close();
});

const token = (claims: Record<string, unknown> = {}) => issuer.sign({ acr: GOLD, auth_time: T0, ...claims });

async function post(query: string, bearer?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (bearer !== undefined) headers['authorization'] = `Bearer ${bearer}`;
  const response = await fetch(gateway.url, { method: 'POST', headers, body: JSON.stringify({ query }) });
  const body = (await response.json()) as { data?: unknown; errors?: Array<{ message: string; path?: unknown[]; extensions?: Record<string, unknown> }> };
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body };
}

describe('@requiresScopes on a query field', () => {
  it('nulls the field with FORBIDDEN for a token without the scope, and keeps the rest', async () => {
    const { status, body } = await post('{ motd auditLog }', await token({ scope: 'openid repo:read' }));
    expect(status).toBe(200);
    expect(body).toEqual({
      data: { motd: 'hello', auditLog: null },
      errors: [
        {
          message: 'This needs the scope "audit:read" (or the scope "site:admin")',
          locations: [{ line: 1, column: 8 }],
          path: ['auditLog'],
          extensions: { code: 'FORBIDDEN', scopes: [['audit:read'], ['site:admin']] },
        },
      ],
    });
  });

  it('challenges a token without the scope with insufficient_scope when no step-up is asked', async () => {
    const { challenge } = await post('{ auditLog }', await token({ scope: 'openid' }));
    expect(challenge).toBe(
      `Bearer realm="guthib", error="insufficient_scope", error_description="This needs the scope 'audit:read' (or the scope 'site:admin')", scope="audit:read"`,
    );
  });

  it('resolves the field for a token granted one of the sets in scope', async () => {
    const { status, challenge, body } = await post('{ auditLog }', await token({ scope: 'openid site:admin' }));
    expect({ status, challenge, body }).toEqual({ status: 200, challenge: null, body: { data: { auditLog: ['alice signed in'] } } });
  });

  it('resolves the field for a token granted the scope in an scp array', async () => {
    const { body } = await post('{ auditLog }', await token({ scp: ['audit:read'] }));
    expect(body).toEqual({ data: { auditLog: ['alice signed in'] } });
  });

  it('nulls the field with UNAUTHENTICATED for an anonymous caller', async () => {
    const { status, challenge, body } = await post('{ auditLog }');
    expect({ status, challenge }).toEqual({ status: 200, challenge: 'Bearer realm="guthib"' });
    expect(body).toMatchObject({ data: { auditLog: null }, errors: [{ path: ['auditLog'], extensions: { code: 'UNAUTHENTICATED' } }] });
  });
});

describe('@requiresScopes on a mutation', () => {
  it('refuses a token without the scopes with 403, FORBIDDEN, no data and an insufficient_scope challenge naming the first set', async () => {
    const { status, challenge, body } = await post('mutation { deleteRepository(name: "gut") }', await token({ scope: 'repo:admin' }));
    expect({ status, challenge, deleted }).toEqual({
      status: 403,
      challenge: `Bearer realm="guthib", error="insufficient_scope", error_description="This needs the scopes 'repo:admin' and 'repo:delete' (or the scope 'site:admin')", scope="repo:admin repo:delete"`,
      deleted: [],
    });
    expect(body).toEqual({
      errors: [
        {
          message: 'This needs the scopes "repo:admin" and "repo:delete" (or the scope "site:admin")',
          locations: [{ line: 1, column: 12 }],
          path: ['deleteRepository'],
          extensions: { code: 'FORBIDDEN', scopes: [['repo:admin', 'repo:delete'], ['site:admin']] },
        },
      ],
    });
  });

  it('runs for a token granted every scope of a set', async () => {
    const { status, body } = await post('mutation { deleteRepository(name: "website") }', await token({ scope: 'repo:delete repo:admin' }));
    expect({ status, body, deleted }).toEqual({ status: 200, body: { data: { deleteRepository: true } }, deleted: ['website'] });
    deleted.length = 0;
  });

  it('answers an anonymous caller with 401 UNAUTHENTICATED and a Bearer challenge', async () => {
    const { status, challenge, body } = await post('mutation { deleteRepository(name: "gut") }');
    expect({ status, challenge, deleted }).toEqual({ status: 401, challenge: 'Bearer realm="guthib"', deleted: [] });
    expect(body).toMatchObject({ errors: [{ path: ['deleteRepository'], extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('asks a token too weak and without the scope to step up first, with 401 and the RFC 9470 challenge', async () => {
    const { status, challenge, body } = await post('mutation { rotateKeys }', await token({ acr: BRONZE, scope: 'openid' }));
    expect(status).toBe(401);
    expect(challenge).toMatch(/^Bearer realm="guthib", error="insufficient_user_authentication", /);
    expect(body).toMatchObject({ errors: [{ path: ['rotateKeys'], extensions: { code: 'STEP_UP_REQUIRED', requiredAcr: 'HIGH' } }] });
  });

  it('answers 401 with the RFC 9470 challenge when one field needs a step-up and another a scope', async () => {
    const { status, challenge, body } = await post('mutation { rotateKeys deleteRepository(name: "gut") }', await token({ acr: BRONZE }));
    expect({ status, deleted }).toEqual({ status: 401, deleted: [] });
    expect(challenge).toMatch(/error="insufficient_user_authentication"/);
    expect(body.errors?.map((error) => error.extensions?.['code'])).toEqual(['STEP_UP_REQUIRED', 'FORBIDDEN']);
  });
});

describe('@authenticated', () => {
  it('nulls the field with UNAUTHENTICATED for an anonymous caller', async () => {
    const { body } = await post('{ me motd }');
    expect(body).toMatchObject({ data: { me: null, motd: 'hello' }, errors: [{ path: ['me'], extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('resolves the field for any valid token, whatever its level and scopes', async () => {
    const { status, challenge, body } = await post('{ me }', await issuer.sign({}));
    expect({ status, challenge, body }).toEqual({ status: 200, challenge: null, body: { data: { me: 'alice' } } });
  });
});
