import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getStitchedSchemaFromSupergraphSdl } from '@graphql-tools/federation';
import { execute, parse, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_HEADER, type IdentityClaims, type SubgraphRequest } from 'step-up-gateway/subgraph';
import { GUTHIB_SEED } from '../../examples/guthib/index.js';
import { describeReceived, startGutHibSubgraphs, type GutHibSubgraphName, type ReceivedDocument } from '../../examples/guthib/subgraphs/index.js';
import { composeSupergraph } from '../../src/federation/compose.js';
import { createIdentitySigner, type IdentitySigner } from '../../src/federation/identity.js';
import { GOLD, SILVER, T0 } from '../helpers/gateway.js';

const ALICE_CARD = GUTHIB_SEED.paymentMethods.find((method) => method.ownerLogin === 'alice')!.key;

/** alice as the gateway would sign her: a fresh silver (MEDIUM) authentication. */
const ALICE_SILVER: IdentityClaims = { sub: 'alice', acr: SILVER, auth_time: T0 - 10, level: 'MEDIUM', passed: [] };
const ALICE_GOLD: IdentityClaims = { sub: 'alice', acr: GOLD, auth_time: T0 - 10, level: 'HIGH', passed: [] };

let signer: IdentitySigner;
let subgraphs: Awaited<ReturnType<typeof startGutHibSubgraphs>>;
const received: ReceivedDocument[] = [];
const logged: string[] = [];

beforeAll(async () => {
  signer = await createIdentitySigner({ issuer: 'step-up-gateway' });
  subgraphs = await startGutHibSubgraphs({
    identity: { issuer: signer.issuer, keys: signer.jwks },
    clock: () => T0,
    onRequest: (entry) => received.push(entry),
    log: (line) => logged.push(line),
  });
});

afterAll(async () => {
  await subgraphs?.close();
});

function urlOf(name: GutHibSubgraphName): string {
  return subgraphs.subgraphs.find((subgraph) => subgraph.name === name)!.url;
}

/** POSTs to a subgraph as the gateway would: with an identity signed for `audience` (default: that subgraph), or none. */
async function post(
  name: GutHibSubgraphName,
  query: string,
  options: { identity?: IdentityClaims | null; audience?: string; variables?: Record<string, unknown> } = {},
): Promise<{
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; path?: unknown[]; extensions?: Record<string, unknown> }> };
}> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const identity = options.identity === undefined ? { passed: [] } : options.identity;
  const request = { query, variables: options.variables };
  if (identity !== null) headers[IDENTITY_HEADER] = signer.sign(identity, options.audience ?? name, T0, request);
  const response = await fetch(urlOf(name), { method: 'POST', headers, body: JSON.stringify(request) });
  return { status: response.status, body: (await response.json()) as never };
}

describe('the GutHib subgraphs', () => {
  it('compose into a supergraph from the SDL each serves at _service', async () => {
    const sdls = await Promise.all(
      subgraphs.subgraphs.map(async ({ name, url }) => {
        const { body } = await post(name, '{ _service { sdl } }');
        return { name, url, sdl: (body.data!['_service'] as { sdl: string }).sdl };
      }),
    );

    const supergraph = composeSupergraph(sdls);

    expect(supergraph).toContain('@join__graph(name: "accounts"');
    // @apollo/subgraph prints a custom scalar's argument as a string: `acrValue: "HIGH"`; the gateway reads either.
    expect(supergraph).toMatch(/type PaymentMethod implements Node @isAuthenticated\(acrValue: "?HIGH"?\)/);
    expect(supergraph.replace(/\s+/g, ' ')).toMatch(
      /transferRepositoryOwnership\(repositoryId: ID!, newOwner: String!\): Repository! @isAuthenticated\( ?acrValue: "?HIGH"?,? once: true,? binds: \["repositoryId", "newOwner"\],? approvalType: "repository_transfer" ?\)/,
    );
  });

  it('refuses a request without the identity header with 401 UNAUTHENTICATED', async () => {
    const { status, body } = await post('accounts', '{ node(id: "User:alice") { id } }', { identity: null });

    expect(status).toBe(401);
    expect(body.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
  });

  it("refuses an identity signed for the other subgraph's audience with 401", async () => {
    const { status, body } = await post('repositories', '{ repositories { name } }', { identity: ALICE_SILVER, audience: 'accounts' });

    expect(status).toBe(401);
    expect(body.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
  });

  it('resolves a User entity representation by its global id', async () => {
    const { status, body } = await post('accounts', '{ _entities(representations: [{ __typename: "User", id: "User:alice" }]) { ... on User { login } } }', {
      identity: ALICE_SILVER,
    });

    expect(status).toBe(200);
    expect(body).toEqual({ data: { _entities: [{ login: 'alice' }] } });
  });

  it("refuses alice's card through node(id:) to a MEDIUM identity with STEP_UP_REQUIRED in the accounts subgraph", async () => {
    const { body } = await post('accounts', `{ node(id: "PaymentMethod:${ALICE_CARD}") { id ... on PaymentMethod { last4 } } }`, { identity: ALICE_SILVER });

    expect(body.data).toEqual({ node: null });
    expect(body.errors).toEqual([expect.objectContaining({ path: ['node'], extensions: expect.objectContaining({ code: 'STEP_UP_REQUIRED' }) })]);
  });

  it('refuses a card that does not exist through node(id:) to a MEDIUM identity with the same STEP_UP_REQUIRED', async () => {
    const { body } = await post('accounts', '{ node(id: "PaymentMethod:no-such-card") { id } }', { identity: ALICE_SILVER });

    expect(body.data).toEqual({ node: null });
    expect(body.errors).toEqual([expect.objectContaining({ path: ['node'], extensions: expect.objectContaining({ code: 'STEP_UP_REQUIRED' }) })]);
  });

  it("serves alice's card through node(id:) to her HIGH identity", async () => {
    const { body } = await post('accounts', `{ node(id: "PaymentMethod:${ALICE_CARD}") { id ... on PaymentMethod { last4 } } }`, { identity: ALICE_GOLD });

    expect(body).toEqual({ data: { node: { id: `PaymentMethod:${ALICE_CARD}`, last4: '4242' } } });
  });

  it("refuses bob's email to alice with FORBIDDEN, as the single server does", async () => {
    const { body } = await post('accounts', '{ _entities(representations: [{ __typename: "User", id: "User:bob" }]) { ... on User { email } } }', {
      identity: ALICE_SILVER,
    });

    expect(body.errors).toEqual([expect.objectContaining({ message: 'Only bob may read email', extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
  });

  it('answers node(id:) for a repository with a stub the planner completes from repositories', async () => {
    const { body } = await post('accounts', '{ node(id: "Repository:1") { __typename id } missing: node(id: "Repository:999") { id } }', {
      identity: ALICE_SILVER,
    });

    expect(body).toEqual({ data: { node: { __typename: 'Repository', id: 'Repository:1' }, missing: null } });
  });

  describe('planned together from the composed supergraph', () => {
    let stitched: GraphQLSchema;

    beforeAll(async () => {
      const sdls = await Promise.all(
        subgraphs.subgraphs.map(async ({ name, url }) => ({
          name,
          url,
          sdl: ((await post(name, '{ _service { sdl } }')).body.data!['_service'] as { sdl: string }).sdl,
        })),
      );
      stitched = getStitchedSchemaFromSupergraphSdl({
        supergraphSdl: composeSupergraph(sdls),
        httpExecutorOpts: ({ endpoint }) => ({
          endpoint,
          // As the gateway does: each subgraph gets alice's identity signed for its own audience.
          fetch: async (url: string, init?: RequestInit) => {
            const audience = subgraphs.subgraphs.find((subgraph) => subgraph.url === endpoint)!.name;
            const headers = new Headers(init?.headers);
            headers.set(IDENTITY_HEADER, signer.sign(ALICE_GOLD, audience, T0, JSON.parse(init!.body as string) as SubgraphRequest));
            return fetch(url, { ...init, headers });
          },
        }),
      });
    });

    const run = async (query: string) => JSON.parse(JSON.stringify(await execute({ schema: stitched, document: parse(query) }))) as unknown;

    it('resolves node(id:) for a repository in accounts and its fields in repositories', async () => {
      const before = received.length;

      const result = await run('{ node(id: "Repository:1") { id ... on Repository { name owner { login } } } }');

      expect(result).toEqual({ data: { node: { id: 'Repository:1', name: 'gut', owner: { login: 'alice' } } } });
      expect(received.slice(before).map((entry) => entry.subgraph)).toEqual(['accounts', 'repositories', 'accounts']);
    });

    it("resolves a user's repositories from repositories and the owner's fields from accounts", async () => {
      const result = await run('{ repository(owner: "alice", name: "gut") { stars owner { name repositories { name } } } }');

      expect(result).toEqual({ data: { repository: { stars: 42, owner: { name: 'Alice Liddell', repositories: [{ name: 'gut' }, { name: 'website' }] } } } });
    });

    it('answers null for node(id:) of a repository that does not exist', async () => {
      expect(await run('{ node(id: "Repository:999") { id ... on Repository { name } } }')).toEqual({ data: { node: null } });
    });
  });

  it('reports each received document with the identity it came with', async () => {
    await post('repositories', '{ repositories(first: 1) { name } }', { identity: ALICE_SILVER });

    expect(received.at(-1)).toMatchObject({
      subgraph: 'repositories',
      query: '{ repositories(first: 1) { name } }',
      identity: { sub: 'alice', level: 'MEDIUM' },
    });
    expect(logged.at(-1)).toBe('[repositories] received { repositories(first: 1) { name } } as alice (level MEDIUM)');
    expect(
      describeReceived({
        subgraph: 'accounts',
        query: 'query { _service { sdl } }',
        variables: {},
        identity: { ...ALICE_SILVER, iss: 'x', aud: 'accounts', iat: T0, exp: T0 + 60 },
      }),
    ).toBe('[accounts] received the schema request { _service { sdl } }');
  });

  it('runs as its own process that prints its URL, logs each document as JSON and stops on SIGTERM', async () => {
    const jwks = createServer((_, response) => response.setHeader('content-type', 'application/json').end(JSON.stringify(signer.jwks)));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/guthib/subgraphs/serve.ts', 'repositories'], {
      env: { ...process.env, PORT: '0', GATEWAY_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/`, GATEWAY_ISSUER: signer.issuer },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const lineMatching = async (pattern: RegExp): Promise<RegExpExecArray> => {
      for (let waited = 0; waited < 10_000; waited += 20) {
        const match = pattern.exec(stdout);
        if (match !== null) return match;
        if (child.exitCode !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`serve.ts printed no line matching ${pattern}:\n${stdout}`);
    };
    try {
      const [, url] = await lineMatching(/^listening (\S+)$/m);
      const request = { query: '{ repositories(first: 1) { name } }' };
      const response = await fetch(url!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: signer.sign(ALICE_SILVER, 'repositories', Math.floor(Date.now() / 1000), request) },
        body: JSON.stringify(request),
      });

      expect(await response.json()).toEqual({ data: { repositories: [{ name: 'gut' }] } });
      const [line] = await lineMatching(/^\{.*"subgraph".*\}$/m);
      expect(JSON.parse(line)).toEqual({ subgraph: 'repositories', query: '{ repositories(first: 1) { name } }', sub: 'alice' });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      jwks.close();
    }
  });
});
