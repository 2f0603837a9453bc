import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { stepUpSubgraphTypeDefs } from '../../src/federation/spec.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { postGraphQL, T0 } from '../helpers/gateway.js';
import { startTestIssuer } from '../helpers/issuer.js';
import { SILENT } from '../helpers/logs.js';

/** A subgraph down when the gateway starts: the gateway waits for it, says so on /readyz, and serves once it answers. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

let gateway: Gateway | undefined;
let subgraph: ApolloServer | undefined;
const issuer = await startTestIssuer({ now: () => T0 });
afterAll(async () => {
  await gateway?.close();
  await subgraph?.stop();
  await issuer.close();
});

describe('a subgraph that is down at start', () => {
  it('keeps the gateway up, answers /readyz 503 naming it, and serves once it answers', async () => {
    const [gatewayPort, subgraphPort] = [await freePort(), await freePort()];
    const warnings: string[] = [];
    const config = loadConfig({ PORT: String(gatewayPort), HOST: '127.0.0.1', OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience });
    const starting = startGateway(config, {
      logger: SILENT,
      warn: (message) => void warnings.push(message),
      clock: () => T0,
      supergraph: { kind: 'subgraphs', subgraphs: [{ name: 'late', url: `http://127.0.0.1:${subgraphPort}/` }] },
    });
    const waiting = 'subgraph "late" does not answer yet';
    let readiness: { status: number; body: { failing?: string[] } } | undefined;
    for (let tries = 0; tries < 50 && readiness?.body.failing?.includes(waiting) !== true; tries++) {
      await new Promise((done) => setTimeout(done, 100));
      const response = await fetch(`http://127.0.0.1:${gatewayPort}/readyz`).catch(() => undefined);
      if (response !== undefined) readiness = { status: response.status, body: (await response.json()) as { failing?: string[] } };
    }
    expect(readiness).toMatchObject({ status: 503, body: { status: 'not ready', failing: expect.arrayContaining([waiting]) } });
    expect(warnings.some((warning) => warning.startsWith('subgraph "late" at') && warning.includes('asking again in'))).toBe(true);

    subgraph = new ApolloServer({
      schema: buildSubgraphSchema({
        typeDefs: parse(`${stepUpSubgraphTypeDefs()} type Query { hello: String }`),
        resolvers: { Query: { hello: () => 'world' } },
      }),
    });
    await startStandaloneServer(subgraph, { listen: { port: subgraphPort, host: '127.0.0.1' } });
    gateway = await starting;
    expect((await postGraphQL(gateway.url, '{ hello }')).body).toEqual({ data: { hello: 'world' } });
    expect((await fetch(`http://127.0.0.1:${gatewayPort}/readyz`)).status).toBe(200);
  }, 30_000);
});
