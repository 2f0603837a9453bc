import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { LEGACY_IDENTITY_TYPE } from 'step-up-gateway/subgraph';
import WebSocket from 'ws';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createInMemorySource } from '../../examples/guthib/inMemorySource.js';
import { startGutHibSubgraph, type RunningGutHibSubgraph } from '../../examples/guthib/subgraphs/index.js';
import { createIdentitySigner, IDENTITY_HEADER, type IdentityClaims, type IdentitySigner } from '../../src/federation/identity.js';
import { T0 } from '../helpers/gateway.js';
import type { GutHibSource } from '../../examples/guthib/source.js';

/**
 * The subgraph helper's WebSocket side (`createStepUpSubgraph().websocket`), on the example's repositories
 * subgraph: a transaction token carries one subscription; a legacy identity, as a gateway that cannot sign
 * per request sends it, carries any number on its socket (such gateways multiplex subscriptions).
 */
const ALICE: IdentityClaims = { sub: 'alice', acr: 'gold', auth_time: T0, level: 'HIGH', passed: [] };
const QUERY = 'subscription { repositoryStarred { by { id } } }';

let signer: IdentitySigner;
let privateJwk: JWK;
let now = T0;
let subgraph: RunningGutHibSubgraph | undefined;
let client: Client | undefined;
let source: GutHibSource;

beforeAll(async () => {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  privateJwk = await exportJWK(privateKey);
  const keyFile = join(mkdtempSync(join(tmpdir(), 'subgraph-ws-')), 'identity-key.json');
  writeFileSync(keyFile, JSON.stringify(privateJwk));
  signer = await createIdentitySigner({ issuer: 'step-up-gateway', keyFile });
});
afterEach(async () => {
  await client?.dispose();
  await subgraph?.close();
  client = subgraph = undefined;
  now = T0;
});

async function start(acceptLegacyIdentity: boolean): Promise<string> {
  source = createInMemorySource();
  subgraph = await startGutHibSubgraph('repositories', {
    source,
    clock: () => now,
    identity: { issuer: signer.issuer, keys: signer.jwks, acceptLegacyIdentity },
  });
  return subgraph.url.replace(/^http/, 'ws');
}

async function legacyIdentity(): Promise<string> {
  return new SignJWT({ ...ALICE })
    .setProtectedHeader({ alg: 'EdDSA', typ: LEGACY_IDENTITY_TYPE, kid: signer.jwks.keys[0]!.kid! })
    .setIssuer(signer.issuer)
    .setAudience('repositories')
    .setIssuedAt(T0)
    .setExpirationTime(T0 + 60)
    .sign(await importJWK(privateJwk, 'EdDSA'));
}

/** Subscribes twice on one socket; resolves with what the first message of each was. */
async function twoOnOneSocket(url: string, identity: string): Promise<unknown[]> {
  client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { [IDENTITY_HEADER]: identity } });
  const first = (c: Client) =>
    new Promise<unknown>((resolve) => {
      const stop = c.subscribe(
        { query: QUERY },
        { next: (value) => (stop(), resolve(value)), error: (error) => resolve({ error }), complete: () => resolve('complete') },
      );
    });
  const results = [first(client), first(client)];
  await new Promise((done) => setTimeout(done, 200));
  await source.starRepository('bob', '1');
  return Promise.all(results);
}

describe('the subgraph helper over WebSocket', () => {
  it('runs one subscription per transaction token, and refuses a second on the same socket', async () => {
    const url = await start(false);
    const token = signer.sign(ALICE, 'repositories', T0, { query: QUERY, operationName: null, variables: {} });
    const [one, two] = await twoOnOneSocket(url, token);
    expect(one).toEqual({ data: { repositoryStarred: { by: { id: 'User:bob' } } } });
    expect(two).toMatchObject({ error: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('runs several subscriptions on one socket opened with a legacy identity, when it accepts them', async () => {
    const url = await start(true);
    expect(await twoOnOneSocket(url, await legacyIdentity())).toEqual([
      { data: { repositoryStarred: { by: { id: 'User:bob' } } } },
      { data: { repositoryStarred: { by: { id: 'User:bob' } } } },
    ]);
  });

  it('refuses a subscription on a legacy socket whose identity has expired since it connected', async () => {
    const url = await start(true);
    client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { [IDENTITY_HEADER]: await legacyIdentity() } });
    await new Promise<void>(
      (connected) => client!.on('connected', () => connected()) && client!.subscribe({ query: QUERY }, { next() {}, error() {}, complete() {} }),
    );
    now = T0 + 60 + 61;
    const refused = await new Promise((resolve) => client!.subscribe({ query: QUERY }, { next: resolve, error: resolve, complete: () => resolve('complete') }));
    expect(refused).toMatchObject([{ message: expect.stringContaining('has expired'), extensions: { code: 'UNAUTHENTICATED' } }]);
  });
});
