import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { composeSupergraph } from '../../src/federation/compose.js';
import { stepUpSubgraphTypeDefs } from '../../src/federation/spec.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { GOLD, postGraphQL, SILVER, T0 } from '../helpers/gateway.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { SILENT } from '../helpers/logs.js';

/**
 * What comes back from a subgraph is the gateway's to shape: a hostile subgraph of the test's own (plain
 * node:http, answering crafted bodies) tries to pass details, addresses, its own challenge, a reset body, a
 * body that never ends and one of 16 MiB; and the caller's W3C baggage must not reach it.
 */
const SDL = `${stepUpSubgraphTypeDefs(['@key'])}
  type Query {
    plain: String
    userError: String
    leak: String
    bare: String
    reset: String
    resetDeclared: String
    slow: String
    slowDeclared: String
    huge: String
    zipped: String
    packed: String
    card: String @isAuthenticated(acrValue: MEDIUM)
  }
  type Mutation { act: Boolean }`;
/** A second subgraph on the same server, configured with a small `maxResponseBytes`. */
const TIGHT_SDL = `${stepUpSubgraphTypeDefs(['@key'])}
  type Query { roomy: String inflated: String }`;

const INTERNAL = 'connect ECONNREFUSED 10.0.3.7:5432 (db-primary.vault.internal)';
const HOSTILE_CHALLENGE = { code: 'STEP_UP_REQUIRED', requiredAcr: 'LOW', acrValues: 'LOW', maxAge: 999_999, prompt: 'none' };

/** The crafted answer for each root field; `write` gets the response when the body is more than JSON. */
function answer(field: string, res: import('node:http').ServerResponse): void {
  const json = (body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  switch (field) {
    case 'plain':
      return json({ data: { plain: 'ok' } });
    case 'roomy':
      return json({ data: { roomy: 'y'.repeat(200) } });
    case 'userError':
      return json({
        data: { userError: null },
        errors: [
          {
            message: '"first" must be at most 10',
            path: ['userError'],
            extensions: {
              code: 'BAD_USER_INPUT',
              argument: 'first',
              stacktrace: ['Error: at /srv/vault/app.js:12'],
              debug: { host: 'db-primary.vault.internal' },
            },
            originalError: { message: INTERNAL },
            debug: INTERNAL,
          },
        ],
        extensions: { debug: INTERNAL },
      });
    case 'leak':
      return json({
        data: { leak: null },
        errors: [{ message: INTERNAL, path: ['leak'], extensions: { code: 'INTERNAL_SERVER_ERROR', exception: { stacktrace: [INTERNAL] } } }],
      });
    case 'bare':
      return json({ data: { bare: null }, errors: [{ message: `upstream 10.0.3.7 said no`, path: ['bare'] }] });
    case 'card':
      return json({ data: { card: null }, errors: [{ message: 'Step up, please', path: ['card'], extensions: HOSTILE_CHALLENGE }] });
    case 'act':
      return json({ data: { act: true }, errors: [{ message: 'Step up, please', path: ['act'], extensions: HOSTILE_CHALLENGE }] });
    case 'reset':
    case 'resetDeclared':
      // A length declared (read whole) or none (chunked, read as it comes): both ways of reading the body.
      res.writeHead(200, { 'content-type': 'application/json', ...(field === 'resetDeclared' ? { 'content-length': '1000' } : {}) });
      res.write(`{"data":{"${field}":"`);
      return void setImmediate(() => res.socket?.destroy());
    case 'slow':
    case 'slowDeclared':
      // Headers at once, then a body that never ends: the gateway's timeout must cover reading it.
      res.writeHead(200, { 'content-type': 'application/json', ...(field === 'slowDeclared' ? { 'content-length': '1000' } : {}) });
      return void res.write(`{"data":{"${field}":"`);
    case 'zipped':
    case 'inflated': {
      // gzip, as the gateway asked: 28 bytes of JSON, or 5 000 that compress to fewer than `tight`'s 100.
      const zipped = gzipSync(JSON.stringify({ data: { [field]: field === 'zipped' ? 'ok' : 'y'.repeat(5_000) } }));
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(zipped.byteLength) });
      return void res.end(zipped);
    }
    case 'packed':
      // A coding the gateway never asked for.
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'compress' });
      return void res.end('not json at all');
    case 'huge': {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":{"huge":"');
      const chunk = 'x'.repeat(1 << 20);
      for (let i = 0; i < 16; i++) res.write(chunk);
      return void res.end('"}}');
    }
    default:
      return json({ errors: [{ message: `no field ${field}` }] });
  }
}

const received: IncomingHttpHeaders[] = [];
async function hostileSubgraph(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    received.push(req.headers);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const query = (JSON.parse(body) as { query: string }).query;
      answer(/\{\s*(\w+)/.exec(query.replace(/^[^{]*/, ''))?.[1] ?? '', res);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, server };
}

let issuer: TestIssuer;
let gateway: Gateway;
let vault: Awaited<ReturnType<typeof hostileSubgraph>>;
const warnings: string[] = [];

beforeAll(async () => {
  // As an application that registers the OpenTelemetry Node SDK would: W3C trace context and baggage.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  vault = await hostileSubgraph();
  issuer = await startTestIssuer({ now: () => T0 });
  const file = join(mkdtempSync(join(tmpdir(), 'masking-')), 'supergraph.graphql');
  writeFileSync(
    file,
    composeSupergraph([
      { name: 'vault', url: vault.url, sdl: SDL },
      { name: 'tight', url: vault.url, sdl: TIGHT_SDL },
    ]),
  );
  gateway = await startGateway(loadConfig({ PORT: '0', HOST: '127.0.0.1', OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience }), {
    logger: SILENT,
    clock: () => T0,
    warn: (message) => warnings.push(message),
    supergraph: {
      kind: 'file',
      path: file,
      subgraphs: [
        { name: 'vault', url: vault.url, timeoutMs: 300 },
        { name: 'tight', url: vault.url, maxResponseBytes: 100 },
      ],
    },
  });
});
afterAll(async () => {
  await gateway.close();
  vault.server.closeAllConnections();
  vault.server.close();
  await issuer.close();
  propagation.disable();
  context.disable();
});
beforeEach(() => {
  received.length = 0;
  warnings.length = 0;
});

const silver = () => issuer.sign({ sub: 'alice', acr: SILVER, auth_time: T0 });
const ask = async (query: string) => postGraphQL(gateway.url, query, { token: await silver() });
const GOLD_CHALLENGE = { code: 'STEP_UP_REQUIRED', requiredAcr: 'HIGH', acrValues: GOLD, maxAge: 300 };

describe("a subgraph's errors", () => {
  it('reach the caller with message, path and code only, naming the service', async () => {
    const { status, body } = await ask('{ userError }');
    expect(status).toBe(200);
    expect(body).toEqual({
      data: { userError: null },
      errors: [{ message: '"first" must be at most 10', path: ['userError'], extensions: { code: 'BAD_USER_INPUT', service: 'vault' } }],
    });
  });

  it("answer a subgraph's INTERNAL_SERVER_ERROR as SUBGRAPH_ERROR with none of its text", async () => {
    const { body } = await ask('{ leak }');
    expect(body.errors).toEqual([{ message: 'A service this answer needs failed', path: ['leak'], extensions: { code: 'SUBGRAPH_ERROR', service: 'vault' } }]);
    expect(JSON.stringify(body)).not.toMatch(/10\.0\.3\.7|internal|ECONNREFUSED|stack/i);
  });

  it('answer an error without a code as SUBGRAPH_ERROR with none of its text', async () => {
    const { body } = await ask('{ bare }');
    expect(body.errors).toEqual([{ message: 'A service this answer needs failed', path: ['bare'], extensions: { code: 'SUBGRAPH_ERROR', service: 'vault' } }]);
  });

  it('log the text of a masked error with the subgraph and the path', async () => {
    await ask('{ leak }');
    expect(warnings).toEqual([`subgraph "vault": INTERNAL_SERVER_ERROR at leak: ${INTERNAL}`]);
  });
});

describe("a subgraph's answer", () => {
  it.each(['reset', 'resetDeclared'])('cut by a reset mid-body is SUBGRAPH_UNAVAILABLE, naming the service (%s)', async (field) => {
    const { status, body } = await ask(`{ ${field} }`);
    expect(status).toBe(200);
    expect(body).toEqual({
      data: { [field]: null },
      errors: [{ message: 'A service this answer needs cannot be reached', path: [field], extensions: { code: 'SUBGRAPH_UNAVAILABLE', service: 'vault' } }],
    });
  });

  it.each(['slow', 'slowDeclared'])('whose body does not finish within the timeout is SUBGRAPH_TIMEOUT, naming the service (%s)', async (field) => {
    const { body } = await ask(`{ ${field} }`);
    expect(body).toEqual({
      data: { [field]: null },
      errors: [{ message: 'A service this answer needs did not answer in time', path: [field], extensions: { code: 'SUBGRAPH_TIMEOUT', service: 'vault' } }],
    });
  });

  it('larger than the default 10 MiB is SUBGRAPH_BAD_RESPONSE, and none of it is relayed', async () => {
    const { body } = await ask('{ huge }');
    expect(JSON.stringify(body).length).toBeLessThan(1_000);
    expect(body).toEqual({
      data: { huge: null },
      errors: [
        {
          message: 'A service this answer needs answered with something that is not GraphQL',
          path: ['huge'],
          extensions: { code: 'SUBGRAPH_BAD_RESPONSE', service: 'vault' },
        },
      ],
    });
    expect(warnings).toEqual([expect.stringMatching(/^subgraph "vault": .* answered more than 10485760 bytes \(at huge\)$/)]);
  });

  it("larger than the subgraph's own maxResponseBytes is SUBGRAPH_BAD_RESPONSE", async () => {
    const { body } = await ask('{ roomy }');
    expect(body).toEqual({
      data: { roomy: null },
      errors: [
        {
          message: 'A service this answer needs answered with something that is not GraphQL',
          path: ['roomy'],
          extensions: { code: 'SUBGRAPH_BAD_RESPONSE', service: 'tight' },
        },
      ],
    });
  });
});

describe("a subgraph's compressed answer", () => {
  it('is decoded when it comes in a coding the gateway asked for', async () => {
    expect(received).toEqual([]);
    const { body } = await ask('{ zipped }');
    expect(body).toEqual({ data: { zipped: 'ok' } });
    expect(received[0]?.['accept-encoding']).toBe('gzip, deflate, br');
  });

  it('is bounded by maxResponseBytes once decoded, not as sent', async () => {
    const { body } = await ask('{ inflated }');
    expect(body).toEqual({
      data: { inflated: null },
      errors: [
        {
          message: 'A service this answer needs answered with something that is not GraphQL',
          path: ['inflated'],
          extensions: { code: 'SUBGRAPH_BAD_RESPONSE', service: 'tight' },
        },
      ],
    });
    expect(warnings).toEqual([expect.stringMatching(/^subgraph "tight": .* answered more than 100 bytes \(at inflated\)$/)]);
  });

  it('in a coding the gateway did not ask for is SUBGRAPH_BAD_RESPONSE, naming the coding in the log', async () => {
    const { body } = await ask('{ packed }');
    expect(body.errors).toEqual([
      {
        message: 'A service this answer needs answered with something that is not GraphQL',
        path: ['packed'],
        extensions: { code: 'SUBGRAPH_BAD_RESPONSE', service: 'vault' },
      },
    ]);
    expect(warnings).toEqual([expect.stringMatching(/^subgraph "vault": .* answered with content-encoding "compress" \(at packed\)$/)]);
  });
});

describe("a subgraph's challenge", () => {
  it("is rebuilt from the gateway's ladder: the subgraph cannot choose acrValues, maxAge or prompt", async () => {
    const { status, headers, body } = await ask('{ card }');
    expect(status).toBe(200);
    expect(body.errors).toEqual([
      { message: 'Authentication at level HIGH within the last 300 seconds is required', path: ['card'], extensions: GOLD_CHALLENGE },
    ]);
    expect(headers.get('www-authenticate')).toBe(
      `Bearer realm="guthib", error="insufficient_user_authentication", error_description="Authentication at level HIGH within the last 300 seconds is required", acr_values="${GOLD}", max_age="300"`,
    );
  });

  it('that no step-up can answer (the caller is at the top of the ladder, fresh) is SUBGRAPH_ERROR without a challenge', async () => {
    const { status, headers, body } = await postGraphQL(gateway.url, '{ card }', { token: await issuer.sign({ sub: 'alice', acr: GOLD, auth_time: T0 }) });
    expect(status).toBe(200);
    expect(body.errors).toEqual([{ message: 'A service this answer needs failed', path: ['card'], extensions: { code: 'SUBGRAPH_ERROR', service: 'vault' } }]);
    expect(headers.get('www-authenticate')).toBeNull();
  });

  it("on a mutation is answered like the gateway's own: 401, the RFC 9470 header, no data", async () => {
    const { status, headers, body } = await ask('mutation { act }');
    expect(status).toBe(401);
    expect(body).toEqual({
      errors: [{ message: 'Authentication at level HIGH within the last 300 seconds is required', path: ['act'], extensions: GOLD_CHALLENGE }],
    });
    expect(headers.get('www-authenticate')).toMatch(
      /^Bearer realm="guthib", error="insufficient_user_authentication", .*acr_values="urn:mace:incommon:iap:gold", max_age="300"$/,
    );
  });
});

describe('trace propagation to a subgraph', () => {
  it("carries the caller's traceparent but never its baggage", async () => {
    const trace = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await silver()}`, traceparent: trace, baggage: 'secret=1' },
      body: JSON.stringify({ query: '{ plain }' }),
    });
    expect(await response.json()).toEqual({ data: { plain: 'ok' } });
    expect(received).toHaveLength(1);
    expect(received[0]!['traceparent']).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-/);
    expect(received[0]!['baggage']).toBeUndefined();
  });
});
