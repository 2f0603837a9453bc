import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { GOLD, postGraphQL, writeConfigFile } from '../helpers/gateway.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { startSubgraphProcess, type SubgraphProcess } from '../helpers/subgraphProcess.js';
import { SILENT } from '../helpers/logs.js';

/**
 * Upstream faults cost only their part: real subgraph processes, the accounts one behind a proxy that can
 * turn slow or answer garbage, and finally killed mid-run.
 */
type Mode = 'pass' | 'slow' | 'garbage';
let mode: Mode = 'pass';

async function faultyProxy(target: () => string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (mode === 'slow') return void setTimeout(() => res.destroy(), 3_000);
    if (mode === 'garbage') {
      res.writeHead(502, { 'content-type': 'text/html' });
      return void res.end('<html><body>502 Bad Gateway from upstream-lb.internal:8443</body></html>');
    }
    const upstream = httpRequest(target(), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

let issuer: TestIssuer;
let gateway: Gateway;
let accounts: SubgraphProcess;
let repositories: SubgraphProcess;
let proxy: Awaited<ReturnType<typeof faultyProxy>>;
const warnings: string[] = [];
const clock = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  issuer = await startTestIssuer({ now: clock });
  // Filled in once the subgraph processes run: the proxy forwards to whatever accounts' URL is then.
  let accountsUrl = '';
  proxy = await faultyProxy(() => accountsUrl);
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    OIDC_ISSUER: issuer.issuer,
    OIDC_AUDIENCE: issuer.audience,
    STEP_UP_CONFIG: writeConfigFile({
      subgraphs: [
        { name: 'accounts', url: proxy.url, timeoutMs: 500 },
        { name: 'repositories', url: 'http://127.0.0.1:1/' },
      ],
    }),
  });
  gateway = await startGateway(config, {
    logger: SILENT,
    clock,
    warn: (message) => warnings.push(message),
    log: () => {},
    supergraph: async ({ identityJwksUrl }) => {
      [accounts, repositories] = await Promise.all([
        startSubgraphProcess('accounts', { GATEWAY_JWKS_URL: identityJwksUrl }),
        startSubgraphProcess('repositories', { GATEWAY_JWKS_URL: identityJwksUrl }),
      ]);
      accountsUrl = accounts.url;
      return {
        kind: 'subgraphs',
        subgraphs: [
          { name: 'accounts', url: proxy.url, timeoutMs: 500 },
          { name: 'repositories', url: repositories.url },
        ],
      };
    },
  });
}, 60_000);
afterAll(async () => {
  await gateway.close();
  await Promise.all([accounts.stop(), repositories.stop()]);
  proxy.server.close();
  await issuer.close();
});
beforeEach(() => {
  mode = 'pass';
  warnings.length = 0;
});

const QUERY = '{ repositories { name } viewer { login } }';
const gold = () => issuer.sign({ sub: 'alice', acr: GOLD, auth_time: clock() });
const REPOSITORIES = [{ name: 'gut' }, { name: 'website' }, { name: 'dotfiles' }];

describe('a subgraph that fails', () => {
  it('answers both parts while both subgraphs are up', async () => {
    const { status, body } = await postGraphQL(gateway.url, QUERY, { token: await gold() });
    expect({ status, body }).toEqual({ status: 200, body: { data: { repositories: REPOSITORIES, viewer: { login: 'alice' } } } });
  });

  it('costs only its part when it does not answer in time, within its timeout', async () => {
    mode = 'slow';
    const started = performance.now();
    const { status, body } = await postGraphQL(gateway.url, QUERY, { token: await gold() });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(status).toBe(200);
    expect(body.data).toEqual({ repositories: REPOSITORIES, viewer: null });
    expect(body.errors).toEqual([
      { message: 'A service this answer needs did not answer in time', path: ['viewer'], extensions: { code: 'SUBGRAPH_TIMEOUT', service: 'accounts' } },
    ]);
  });

  it('answers garbage with a stable code and none of the garbage', async () => {
    mode = 'garbage';
    const { status, body } = await postGraphQL(gateway.url, QUERY, { token: await gold() });
    expect(status).toBe(200);
    expect(body.data).toEqual({ repositories: REPOSITORIES, viewer: null });
    expect(body.errors).toMatchObject([{ path: ['viewer'], extensions: { code: 'SUBGRAPH_BAD_RESPONSE', service: 'accounts' } }]);
    expect(JSON.stringify(body)).not.toMatch(/html|upstream-lb|8443|502/);
  });

  it('logs what went wrong, which the caller does not see', async () => {
    mode = 'garbage';
    await postGraphQL(gateway.url, QUERY, { token: await gold() });
    expect(warnings).toEqual([
      expect.stringMatching(/^subgraph "accounts": http:\/\/127\.0\.0\.1:\d+\/ answered HTTP 502 with content-type "text\/html" \(at viewer\)$/),
    ]);
  });

  it('costs only its part when its process is killed mid-run, and names no address', async () => {
    await accounts.kill();
    const { status, body } = await postGraphQL(gateway.url, QUERY, { token: await gold() });
    expect(status).toBe(200);
    expect(body.data).toEqual({ repositories: REPOSITORIES, viewer: null });
    expect(body.errors).toMatchObject([{ path: ['viewer'], extensions: { code: 'SUBGRAPH_UNAVAILABLE', service: 'accounts' } }]);
    expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|stack|request/);
  });

  it('answers null data, not a 5xx, when the only subgraph asked is down', async () => {
    const { status, body } = await postGraphQL(gateway.url, '{ viewer { login } }', { token: await gold() });
    expect(status).toBe(200);
    expect(body).toMatchObject({ data: { viewer: null }, errors: [{ extensions: { code: 'SUBGRAPH_UNAVAILABLE' } }] });
  });
});
