import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayJwks } from '../../src/federation/gatewayJwks.js';

/** A JWKS on loopback whose keys the test changes, counting how often it is fetched. */
let server: Server;
let url: URL;
let published: JWK[] = [];
let fetches = 0;

beforeAll(async () => {
  server = createServer((_, response) => {
    fetches += 1;
    response.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`);
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

const key = async (kid: string): Promise<JWK> => ({
  ...(await exportJWK((await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })).publicKey)),
  kid,
  alg: 'EdDSA',
});
const TOKEN = { payload: '', signature: '' };

describe("the subgraph helper's copy of the gateway's JWKS", () => {
  it('is fetched again at once when a token names a kid it does not hold', async () => {
    published = [await key('old')];
    let now = 0;
    const keys = createGatewayJwks(url, { now: () => now });
    await keys({ alg: 'EdDSA', kid: 'old' }, TOKEN);
    published = [await key('new')];
    now += 100;
    fetches = 0;

    await expect(keys({ alg: 'EdDSA', kid: 'new' }, TOKEN)).resolves.toBeDefined();
    expect(fetches).toBe(1);
  });

  it('is fetched at most once per kid per 30 s and once per second in all, whatever kids forged tokens name', async () => {
    published = [await key('real')];
    let now = 0;
    const keys = createGatewayJwks(url, { now: () => now });
    await keys({ alg: 'EdDSA', kid: 'real' }, TOKEN);
    fetches = 0;

    for (let i = 0; i < 20; i++) {
      now += 100;
      await expect(keys({ alg: 'EdDSA', kid: `forged-${i % 2}` }, TOKEN)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    }

    // 2 s of forged tokens naming two kids: one forced fetch per kid, a second apart.
    expect(fetches).toBe(2);
  });
});
