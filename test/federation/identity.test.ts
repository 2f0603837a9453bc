import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createInMemorySource } from '../../examples/guthib/index.js';
import { startGutHibSubgraphs, type ReceivedDocument } from '../../examples/guthib/subgraphs/index.js';
import { loadConfig } from '../../src/config.js';
import { IDENTITY_HEADER, IDENTITY_TYPE } from '../../src/federation/identity.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { transferApproval, GOLD, postGraphQL, T0 } from '../helpers/gateway.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { SILENT } from '../helpers/logs.js';

/** A loopback proxy in front of a subgraph that records the headers of every request it forwards. */
async function recordingProxy(target: string): Promise<{ url: string; seen: IncomingHttpHeaders[]; server: Server }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen, server };
}

let issuer: TestIssuer;
let gateway: Gateway;
let closeSubgraphs: () => Promise<void>;
let proxy: Awaited<ReturnType<typeof recordingProxy>>;
const received: ReceivedDocument[] = [];
const clock = () => T0;

beforeAll(async () => {
  issuer = await startTestIssuer({ now: clock });
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience });
  gateway = await startGateway(config, {
    logger: SILENT,
    clock,
    supergraph: async ({ identityJwksUrl, identityIssuer }) => {
      const running = await startGutHibSubgraphs({
        source: createInMemorySource(),
        clock,
        identity: { issuer: identityIssuer, jwksUrl: identityJwksUrl },
        onRequest: (entry) => received.push(entry),
      });
      closeSubgraphs = () => running.close();
      const repositories = running.subgraphs.find((subgraph) => subgraph.name === 'repositories')!;
      proxy = await recordingProxy(repositories.url);
      return {
        kind: 'subgraphs',
        subgraphs: running.subgraphs.map((subgraph) => (subgraph === repositories ? { ...subgraph, url: proxy.url } : subgraph)),
      };
    },
  });
});
afterAll(async () => {
  await gateway.close();
  await closeSubgraphs();
  proxy.server.close();
  await issuer.close();
});
beforeEach(() => {
  received.length = 0;
  proxy.seen.length = 0;
});

const TRANSFER = 'mutation { transferRepositoryOwnership(repositoryId: "Repository:2", newOwner: "bob") { owner { login } } }';

describe('the identity the gateway sends each subgraph', () => {
  it('names the caller, the level, the step-up this mutation passed and what the user approved, for that subgraph only, for 60 seconds', async () => {
    const approval = transferApproval('Repository:2', 'bob');
    const token = await issuer.sign({
      sub: 'alice',
      acr: GOLD,
      auth_time: T0 - 30,
      sid: 'session-1',
      client_id: 'guthib-web',
      authorization_details: [approval],
    });
    const { status } = await postGraphQL(gateway.url, TRANSFER, { token });
    expect(status).toBe(200);
    const identity = received.find((entry) => entry.subgraph === 'repositories')!.identity;
    expect(identity).toMatchObject({
      iss: 'step-up-gateway',
      aud: 'repositories',
      sub: 'alice',
      client_id: 'guthib-web',
      sid: 'session-1',
      acr: GOLD,
      auth_time: T0 - 30,
      level: 'HIGH',
      iat: T0,
      exp: T0 + 60,
      authorization_details: [approval],
    });
    expect(identity.passed).toContainEqual({ coordinate: 'Mutation.transferRepositoryOwnership', level: 'HIGH', max_age: 300, once: true });
  });

  it('names no one for an anonymous caller', async () => {
    await postGraphQL(gateway.url, '{ repositories { name } }');
    expect(received).toHaveLength(1);
    expect(received[0]!.identity).not.toHaveProperty('sub');
    expect(received[0]!.identity).not.toHaveProperty('level');
  });

  it('is verifiable with the keys the gateway publishes, and is typed so that it is never taken for an access token', async () => {
    const token = await issuer.sign({ sub: 'alice', acr: GOLD, auth_time: T0 });
    await postGraphQL(gateway.url, '{ repositories { name } }', { token });
    const header = proxy.seen[0]![IDENTITY_HEADER] as string;
    expect(decodeProtectedHeader(header)).toMatchObject({ alg: 'EdDSA', typ: IDENTITY_TYPE });
    const keys = createRemoteJWKSet(new URL(gateway.identityJwksUrl!));
    const { payload } = await jwtVerify(header, keys, { issuer: 'step-up-gateway', audience: 'repositories', currentDate: new Date(T0 * 1000) });
    expect(payload.sub).toBe('alice');
  });

  it('never merges the identical requests of two callers in flight: each subgraph request carries its own caller', async () => {
    const [alice, bob] = await Promise.all(['alice', 'bob'].map((sub) => issuer.sign({ sub, acr: GOLD, auth_time: T0 })));
    await Promise.all([alice, bob, alice, bob].map((token) => postGraphQL(gateway.url, '{ repositories { name } }', { token })));
    expect(received.map((entry) => entry.identity.sub).sort()).toEqual(['alice', 'alice', 'bob', 'bob']);
  });

  it("forwards the request's x-request-id", async () => {
    await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-77' },
      body: JSON.stringify({ query: '{ repositories { name } }' }),
    });
    expect(proxy.seen.map((headers) => headers['x-request-id'])).toEqual(['req-77']);
  });

  it("does not forward the caller's own Authorization header", async () => {
    const token = await issuer.sign({ sub: 'alice', acr: GOLD, auth_time: T0 });
    await postGraphQL(gateway.url, '{ repositories { name } }', { token });
    expect(proxy.seen).toHaveLength(1);
    expect(proxy.seen[0]!['authorization']).toBeUndefined();
    expect(decodeJwt(proxy.seen[0]![IDENTITY_HEADER] as string).sub).toBe('alice');
  });
});
