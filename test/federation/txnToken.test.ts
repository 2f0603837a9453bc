import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createInMemorySource } from '../../examples/guthib/index.js';
import { startGutHibSubgraphs, type ReceivedDocument } from '../../examples/guthib/subgraphs/index.js';
import { loadConfig } from '../../src/config.js';
import { LEGACY_IDENTITY_HEADER, requestDigest, TXN_TOKEN_HEADER, type SubgraphRequest } from '../../src/federation/identity.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { transferApproval, GOLD, postGraphQL, T0 } from '../helpers/gateway.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { SILENT } from '../helpers/logs.js';
import { replay, startRecordingProxy } from '../helpers/recordingProxy.js';

/**
 * The identity a subgraph receives is good for one request: the one the gateway sent, to that subgraph.
 * An attacker between the gateway and a subgraph captures it (the recording proxy) and sends it again.
 */
let issuer: TestIssuer;
let gateway: Gateway;
let subgraphs: Awaited<ReturnType<typeof startGutHibSubgraphs>>;
let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
const received: ReceivedDocument[] = [];
const clock = () => T0;
const urlOf = (name: string) => subgraphs.subgraphs.find((subgraph) => subgraph.name === name)!.url;

beforeAll(async () => {
  issuer = await startTestIssuer({ now: clock });
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience });
  gateway = await startGateway(config, {
    logger: SILENT,
    clock,
    supergraph: async ({ identityJwksUrl, identityIssuer }) => {
      subgraphs = await startGutHibSubgraphs({
        source: createInMemorySource(),
        clock,
        identity: { issuer: identityIssuer, jwksUrl: identityJwksUrl },
        onRequest: (entry) => received.push(entry),
      });
      proxy = await startRecordingProxy(urlOf('repositories'));
      return {
        kind: 'subgraphs',
        subgraphs: subgraphs.subgraphs.map((subgraph) => (subgraph.name === 'repositories' ? { ...subgraph, url: proxy.url } : subgraph)),
      };
    },
  });
});
afterAll(async () => {
  await gateway.close();
  await subgraphs.close();
  await proxy.close();
  await issuer.close();
});
beforeEach(() => {
  received.length = 0;
  proxy.seen.length = 0;
});

const transfer = (repositoryId: string, newOwner: string) =>
  `mutation { transferRepositoryOwnership(repositoryId: "${repositoryId}", newOwner: "${newOwner}") { id } }`;
const ownerOf = async (id: string) =>
  ((await postGraphQL(gateway.url, `{ node(id: "${id}") { ... on Repository { owner { login } } } }`)).body.data as { node: { owner: { login: string } } }).node
    .owner.login;
describe('an identity captured between the gateway and a subgraph', () => {
  it('is refused with 401 UNAUTHENTICATED when sent again with the same body, and the mutation does not run again', async () => {
    const token = await issuer.sign({ sub: 'bob', acr: GOLD, auth_time: T0 - 30, authorization_details: [transferApproval('Repository:3', 'alice')] });
    expect((await postGraphQL(gateway.url, transfer('Repository:3', 'alice'), { token })).status).toBe(200);
    const [captured] = proxy.seen;
    received.length = 0;

    const answer = await replay(urlOf('repositories'), captured!);

    expect(answer).toMatchObject({ status: 401, body: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] } });
    expect(received).toEqual([]);
  });

  it('is refused with 401 UNAUTHENTICATED when the one-time transfer it came with is replayed for another repository', async () => {
    const token = await issuer.sign({ sub: 'alice', acr: GOLD, auth_time: T0 - 30, authorization_details: [transferApproval('Repository:1', 'bob')] });
    expect((await postGraphQL(gateway.url, transfer('Repository:1', 'bob'), { token })).status).toBe(200);
    const [captured] = proxy.seen;

    const answer = await replay(urlOf('repositories'), captured!, JSON.stringify({ query: transfer('Repository:2', 'bob') }));

    expect(answer).toMatchObject({ status: 401, body: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] } });
    expect(await ownerOf('Repository:2')).toBe('alice');
  });
});

describe('the transaction token the gateway sends each subgraph request', () => {
  it('is typed txntoken+jwt, names its one audience, and carries the caller in sub and the transaction context in tctx', async () => {
    const approval = transferApproval('Repository:1', 'alice');
    const token = await issuer.sign({
      sub: 'alice',
      acr: GOLD,
      auth_time: T0 - 30,
      sid: 'session-1',
      client_id: 'guthib-web',
      authorization_details: [approval],
    });
    await postGraphQL(gateway.url, transfer('Repository:1', 'alice'), { token });
    const sent = proxy.seen[0]!.headers[TXN_TOKEN_HEADER] as string;

    expect(decodeProtectedHeader(sent)).toMatchObject({ alg: 'EdDSA', typ: 'txntoken+jwt' });
    expect(decodeJwt(sent)).toEqual({
      iss: 'step-up-gateway',
      aud: 'repositories',
      iat: T0,
      exp: T0 + 60,
      txn: expect.stringMatching(/^[0-9a-f-]{36}$/),
      jti: decodeJwt(sent)['txn'],
      sub: 'alice',
      req_digest: requestDigest(JSON.parse(proxy.seen[0]!.body) as SubgraphRequest),
      tctx: {
        client_id: 'guthib-web',
        sid: 'session-1',
        acr: GOLD,
        auth_time: T0 - 30,
        level: 'HIGH',
        passed: [{ coordinate: 'Mutation.transferRepositoryOwnership', level: 'HIGH', max_age: 300, once: true }],
        authorization_details: [approval],
      },
    });
    expect(proxy.seen[0]!.headers[LEGACY_IDENTITY_HEADER]).toBeUndefined();
  });

  it('differs for two requests of the same caller with the same document: two txns', async () => {
    const token = await issuer.sign({ sub: 'alice', acr: GOLD, auth_time: T0 - 30 });
    await postGraphQL(gateway.url, '{ repositories { name } }', { token });
    await postGraphQL(gateway.url, '{ repositories { name } }', { token });

    const [first, second] = proxy.seen.map((recorded) => decodeJwt(recorded.headers[TXN_TOKEN_HEADER] as string));
    expect(first!['txn']).not.toBe(second!['txn']);
    expect(first!['req_digest']).toBe(second!['req_digest']);
  });

  it('is refused with 401 by the subgraph it was not sent to (aud)', async () => {
    await postGraphQL(gateway.url, '{ repositories { name } }');

    const answer = await replay(urlOf('accounts'), proxy.seen[0]!);

    expect(answer).toMatchObject({ status: 401, body: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] } });
  });
});
