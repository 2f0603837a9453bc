import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createStepUpSubgraph,
  LEGACY_IDENTITY_HEADER,
  LEGACY_IDENTITY_TYPE,
  TXN_TOKEN_HEADER,
  type StepUpSubgraphOptions,
  type TransactionStore,
} from 'step-up-gateway/subgraph';
import { createIdentitySigner, type IdentityClaims, type IdentitySigner } from '../../src/federation/identity.js';
import { createMemoryState } from '../../src/state/store.js';
import { T0 } from '../helpers/gateway.js';

/**
 * `createStepUpSubgraph` checks each transaction token against the request it came with, and accepts it
 * once: subgraphs of the test's own, tokens signed as the gateway signs them.
 */
const ALICE: IdentityClaims = { sub: 'alice', acr: 'gold', auth_time: T0, level: 'HIGH', passed: [] };
const TYPE_DEFS = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Query { counter: Int! echo(text: String!): String! }
  type Mutation { increment: Int! }
`);

let signer: IdentitySigner;
let counter = 0;
const running: Array<() => Promise<void>> = [];

let privateJwk: JWK;

beforeAll(async () => {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  privateJwk = await exportJWK(privateKey);
  const keyFile = join(mkdtempSync(join(tmpdir(), 'txn-check-')), 'identity-key.json');
  writeFileSync(keyFile, JSON.stringify(privateJwk));
  signer = await createIdentitySigner({ issuer: 'step-up-gateway', keyFile });
});
afterAll(async () => {
  await Promise.all(running.map((stop) => stop()));
});

/** One subgraph named `things`, with the helper's plugin unless `plugin: false`. */
async function startSubgraph(options: Partial<StepUpSubgraphOptions<object>> & { plugin?: boolean } = {}): Promise<string> {
  const { plugin = true, ...rest } = options;
  const stepUp = createStepUpSubgraph({
    schema: buildSubgraphSchema({
      typeDefs: TYPE_DEFS,
      resolvers: { Query: { counter: () => counter, echo: (_: unknown, { text }: { text: string }) => text }, Mutation: { increment: () => ++counter } },
    }),
    issuer: signer.issuer,
    audience: 'things',
    keys: signer.jwks,
    clock: () => T0,
    ...rest,
  });
  const server = new ApolloServer({ schema: stepUp.schema, plugins: plugin ? [stepUp.plugin] : [] });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' }, context: stepUp.context });
  running.push(() => server.stop());
  return url;
}

type Answer = { status: number; body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } };

async function send(url: string, token: string, body: string, header: string = TXN_TOKEN_HEADER): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', [header]: token }, body });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const refused = (status: number, code: string) => ({ status, body: { errors: [{ extensions: { code } }] } });

describe('a subgraph made with createStepUpSubgraph', () => {
  let url: string;
  beforeAll(async () => {
    url = await startSubgraph();
  });

  it('runs the request a transaction token was signed for', async () => {
    const request = { query: 'query Echo($text: String!) { echo(text: $text) }', operationName: 'Echo', variables: { text: 'hi' } };

    expect(await send(url, signer.sign(ALICE, 'things', T0, request), JSON.stringify(request))).toEqual({ status: 200, body: { data: { echo: 'hi' } } });
  });

  it('accepts the same request spelled differently in JSON: key order and whitespace are not part of the digest', async () => {
    const token = signer.sign(ALICE, 'things', T0, { query: '{ echo(text: $t) }'.replace('$t', '"a"'), variables: { b: 1, a: [1, { y: 2, x: 1 }] } });

    const answer = await send(url, token, '{ "variables" : { "a": [1, {"x": 1, "y": 2}], "b": 1.0 }, "query": "{ echo(text: \\"a\\") }" }');

    expect(answer).toEqual({ status: 200, body: { data: { echo: 'a' } } });
  });

  it('refuses with 401 a token whose digest names another document, and runs nothing', async () => {
    const before = counter;
    const token = signer.sign(ALICE, 'things', T0, { query: '{ counter }' });

    const answer = await send(url, token, JSON.stringify({ query: 'mutation { increment }' }));

    expect(answer).toMatchObject(refused(401, 'UNAUTHENTICATED'));
    expect(counter).toBe(before);
  });

  it('refuses with 401 a token whose digest names other variables', async () => {
    const query = 'query ($text: String!) { echo(text: $text) }';
    const token = signer.sign(ALICE, 'things', T0, { query, variables: { text: 'hi' } });

    expect(await send(url, token, JSON.stringify({ query, variables: { text: 'bye' } }))).toMatchObject(refused(401, 'UNAUTHENTICATED'));
  });

  it('refuses with 401 a token whose digest names another operation of the same document', async () => {
    const query = 'query A { counter } mutation B { increment }';
    const token = signer.sign(ALICE, 'things', T0, { query, operationName: 'A' });

    expect(await send(url, token, JSON.stringify({ query, operationName: 'B' }))).toMatchObject(refused(401, 'UNAUTHENTICATED'));
  });

  it('accepts a token once: the same request sent again is refused with 401', async () => {
    const body = JSON.stringify({ query: 'mutation { increment }' });
    const token = signer.sign(ALICE, 'things', T0, JSON.parse(body) as { query: string });
    expect((await send(url, token, body)).status).toBe(200);
    const after = counter;

    expect(await send(url, token, body)).toMatchObject(refused(401, 'UNAUTHENTICATED'));
    expect(counter).toBe(after);
  });

  it('reads the token from the deprecated gateway-identity header when Txn-Token is absent, with the same checks', async () => {
    const body = JSON.stringify({ query: '{ counter }' });
    const token = signer.sign(ALICE, 'things', T0, { query: '{ counter }' });

    expect((await send(url, token, body, LEGACY_IDENTITY_HEADER)).status).toBe(200);
    expect(await send(url, token, body, LEGACY_IDENTITY_HEADER)).toMatchObject(refused(401, 'UNAUTHENTICATED'));
  });

  it('refuses with 401 an identity of the pre-transaction-token kind (no txn, no digest)', async () => {
    const legacy = await legacyIdentity();

    expect(await send(url, legacy, JSON.stringify({ query: '{ counter }' }), LEGACY_IDENTITY_HEADER)).toMatchObject(refused(401, 'UNAUTHENTICATED'));
  });
});

/** An identity as gateways signed them before transaction tokens: typ step-up-identity+jwt, claims at the top. */
async function legacyIdentity(): Promise<string> {
  const [jwk] = signer.jwks.keys;
  return new SignJWT({ ...ALICE })
    .setProtectedHeader({ alg: 'EdDSA', typ: LEGACY_IDENTITY_TYPE, kid: jwk!.kid! })
    .setIssuer(signer.issuer)
    .setAudience('things')
    .setIssuedAt(T0)
    .setExpirationTime(T0 + 60)
    .sign(await importJWK(privateJwk, 'EdDSA'));
}

describe('a subgraph that opts in to legacy identities (acceptLegacyIdentity, deprecated)', () => {
  it('accepts a pre-transaction-token identity in the gateway-identity header', async () => {
    const url = await startSubgraph({ acceptLegacyIdentity: true });

    expect(await send(url, await legacyIdentity(), JSON.stringify({ query: '{ echo(text: "old") }' }), LEGACY_IDENTITY_HEADER)).toEqual({
      status: 200,
      body: { data: { echo: 'old' } },
    });
  });
});

describe('replicas of a subgraph sharing a transaction store', () => {
  it('accept a token on one replica and refuse it on the other with 401', async () => {
    const shared = createMemoryState();
    const [one, two] = [await startSubgraph({ transactions: shared }), await startSubgraph({ transactions: shared })];
    const body = JSON.stringify({ query: 'mutation { increment }' });
    const token = signer.sign(ALICE, 'things', T0, { query: 'mutation { increment }' });

    expect((await send(one, token, body)).status).toBe(200);
    expect(await send(two, token, body)).toMatchObject(refused(401, 'UNAUTHENTICATED'));
  });

  it('refuse with 503 SERVICE_UNAVAILABLE when the store cannot be reached, and run nothing', async () => {
    const down: TransactionStore = { claim: () => Promise.reject(new Error('connection refused')) };
    const url = await startSubgraph({ transactions: down });
    const before = counter;

    const answer = await send(url, signer.sign(ALICE, 'things', T0, { query: 'mutation { increment }' }), JSON.stringify({ query: 'mutation { increment }' }));

    expect(answer).toMatchObject(refused(503, 'SERVICE_UNAVAILABLE'));
    expect(counter).toBe(before);
  });
});

describe('a subgraph whose team forgot the plugin', () => {
  it('refuses every root field: the token was never checked against the body', async () => {
    const url = await startSubgraph({ plugin: false });
    const before = counter;

    const answer = await send(url, signer.sign(ALICE, 'things', T0, { query: 'mutation { increment }' }), JSON.stringify({ query: 'mutation { increment }' }));

    expect(answer.body).toMatchObject({ data: null, errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(counter).toBe(before);
  });
});

describe('the identity key', () => {
  it('is kept in devKeyDir in dev mode: a second signer over the same folder has the same kid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dev-keys-'));

    const first = await createIdentitySigner({ issuer: 'step-up-gateway', devKeyDir: dir });
    const second = await createIdentitySigner({ issuer: 'step-up-gateway', devKeyDir: dir });

    expect(second.jwks.keys[0]!.kid).toBe(first.jwks.keys[0]!.kid);
    expect(statSync(join(dir, 'identity-key.json')).mode & 0o777).toBe(0o600);
  });

  it('signs with the first key of a keyFile JWK Set and publishes every key, for a rotation', async () => {
    const { publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const next = { ...(await exportJWK(publicKey)), kid: 'next' };
    const keyFile = join(mkdtempSync(join(tmpdir(), 'rotation-')), 'identity-keys.json');
    writeFileSync(keyFile, JSON.stringify({ keys: [{ ...privateJwk, kid: 'current' }, next] }));

    const rotating = await createIdentitySigner({ issuer: 'step-up-gateway', keyFile });

    expect(rotating.jwks.keys.map((key) => [key.kid, 'd' in key])).toEqual([
      ['current', false],
      ['next', false],
    ]);
    expect(decodeProtectedHeader(rotating.sign(ALICE, 'things', T0, { query: '{ counter }' })).kid).toBe('current');
  });
});
