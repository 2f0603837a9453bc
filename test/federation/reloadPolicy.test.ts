import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInMemorySource } from '../../examples/guthib/index.js';
import { gutHibSubgraphTypeDefs, startGutHibSubgraphs } from '../../examples/guthib/subgraphs/index.js';
import { loadConfig } from '../../src/config.js';
import { composeSupergraph } from '../../src/federation/compose.js';
import { stepUpSubgraphTypeDefs } from '../../src/federation/spec.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { BRONZE, postGraphQL, T0, writeConfigFile } from '../helpers/gateway.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { capturedLogger, SILENT } from '../helpers/logs.js';

/**
 * A reload never weakens policy silently: a supergraph file that lowers or drops a requirement is refused
 * (the current graph keeps serving), audited and counted, unless `reload.allowWeakening` says otherwise.
 */
const clock = () => T0;
const TRANSFER = 'mutation { transferRepositoryOwnership(repositoryId: "Repository:3", newOwner: "bob") { owner { login } } }';
const LOWERED = (sdl: string) => sdl.replace(/(transferRepositoryOwnership\([^)]*\): Repository!?\s*@isAuthenticated\(\s*acrValue: )HIGH/, '$1MEDIUM');

interface Running {
  readonly gateway: Gateway;
  readonly issuer: TestIssuer;
  readonly file: string;
  readonly original: string;
  readonly lines: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

async function start(configFile: object): Promise<Running> {
  const issuer = await startTestIssuer({ now: clock });
  const file = join(mkdtempSync(join(tmpdir(), 'supergraph-')), 'supergraph.graphql');
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    OIDC_ISSUER: issuer.issuer,
    OIDC_AUDIENCE: issuer.audience,
    STEP_UP_CONFIG: writeConfigFile(configFile),
  });
  const { logger, lines } = capturedLogger();
  let original = '';
  let close = async (): Promise<void> => {};
  const gateway = await startGateway(config, {
    logger,
    clock,
    warn: () => {},
    supergraph: async ({ identityJwksUrl, identityIssuer }) => {
      const running = await startGutHibSubgraphs({ source: createInMemorySource(), clock, identity: { issuer: identityIssuer, jwksUrl: identityJwksUrl } });
      close = () => running.close();
      original = composeSupergraph(running.subgraphs.map((subgraph) => ({ ...subgraph, sdl: gutHibSubgraphTypeDefs(subgraph.name) })));
      writeFileSync(file, original);
      return { kind: 'file', path: file, subgraphs: [] };
    },
  });
  return {
    gateway,
    issuer,
    file,
    original,
    lines,
    async close() {
      await gateway.close();
      await close();
      await issuer.close();
    },
  };
}

describe('a reload that weakens the policy, by default', () => {
  let r: Running;
  beforeAll(async () => {
    r = await start({ metrics: { port: 0 } });
  });
  afterAll(() => r.close());

  it('is refused, naming the coordinate, and the current graph keeps serving', async () => {
    expect(LOWERED(r.original)).not.toBe(r.original);
    writeFileSync(r.file, LOWERED(r.original));
    await expect(r.gateway.reload()).rejects.toThrow(/weakens the policy .*Mutation\.transferRepositoryOwnership: level HIGH → MEDIUM/);
    expect(r.gateway.supergraphSdl).toBe(r.original);
    const { status } = await postGraphQL(r.gateway.url, TRANSFER, { token: await r.issuer.sign({ sub: 'alice', acr: BRONZE, auth_time: T0 }) });
    expect(status).toBe(401);
  });

  it('writes a policy.weakened audit line and counts it', async () => {
    writeFileSync(r.file, LOWERED(r.original));
    await r.gateway.reload().catch(() => undefined);
    expect(r.lines.filter((line) => line['event'] === 'policy.weakened')).toContainEqual(
      expect.objectContaining({
        coordinate: 'Mutation.transferRepositoryOwnership',
        outcome: 'refused',
        change: expect.stringMatching(/^level HIGH → MEDIUM/),
        before: expect.objectContaining({ level: 'HIGH' }),
        after: expect.objectContaining({ level: 'MEDIUM' }),
      }),
    );
    const metrics = await (await fetch(r.gateway.metricsUrl!)).text();
    expect(metrics).toMatch(/stepup_gateway_policy_weakenings_total\{coordinate="Mutation.transferRepositoryOwnership",outcome="refused"\} [1-9]/);
  });

  it('refuses a supergraph that drops a requirement, and audits that nothing is required after', async () => {
    writeFileSync(r.file, r.original.replace('email: String @isAuthenticated(acrValue: MEDIUM)', 'email: String'));
    await expect(r.gateway.reload()).rejects.toThrow(/User\.email: no longer protected/);
    expect(r.lines).toContainEqual(
      expect.objectContaining({
        event: 'policy.weakened',
        coordinate: 'User.email',
        outcome: 'refused',
        before: expect.objectContaining({ level: 'MEDIUM' }),
        after: null,
      }),
    );
  });

  it('refuses a supergraph that lets callers who cannot step up through', async () => {
    const allowing = r.original.replace(
      /(transferRepositoryOwnership\([^)]*\): Repository!?\s*@isAuthenticated\(\s*acrValue: HIGH\s+once: true)/,
      '$1 ifCannotReauthenticate: ALLOW',
    );
    expect(allowing).not.toBe(r.original);
    writeFileSync(r.file, allowing);
    await expect(r.gateway.reload()).rejects.toThrow(/Mutation\.transferRepositoryOwnership: now lets callers who cannot step up through/);
  });

  it('serves a supergraph that only strengthens it', async () => {
    writeFileSync(r.file, r.original.replace('email: String @isAuthenticated(acrValue: MEDIUM)', 'email: String @isAuthenticated(acrValue: HIGH)'));
    expect(await r.gateway.reload()).toEqual({ changed: true });
    expect(r.gateway.policy.fields.get('User.email')?.requirement.level).toBe('HIGH');
  });
});

describe('a reload that weakens the policy, with reload.allowWeakening', () => {
  let r: Running;
  beforeAll(async () => {
    r = await start({ reload: { allowWeakening: true } });
  });
  afterAll(() => r.close());

  it('is served and still audited', async () => {
    writeFileSync(r.file, LOWERED(r.original));
    expect(await r.gateway.reload()).toEqual({ changed: true });
    expect(r.gateway.policy.fields.get('Mutation.transferRepositoryOwnership')?.requirement.level).toBe('MEDIUM');
    expect(r.lines).toContainEqual(
      expect.objectContaining({ event: 'policy.weakened', coordinate: 'Mutation.transferRepositoryOwnership', outcome: 'served' }),
    );
  });
});

describe('a subgraph redeployed without its directive, composed again on reload', () => {
  /** The `vault` subgraph's schema, with or without the requirement on `secret`. */
  const vault = (sdl: string) =>
    buildSubgraphSchema({ typeDefs: parse(`${stepUpSubgraphTypeDefs()} ${sdl}`), resolvers: { Query: { secret: () => 'PIN-1234' } } });
  let schema = vault('type Query { secret: String @isAuthenticated(acrValue: HIGH) }');
  /** One URL whose schema a test swaps: a redeploy, without a restart's race on a kept-alive connection. */
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables?: Record<string, unknown> };
      void graphql({ schema, source: query, variableValues: variables }).then((result) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result));
      });
    });
  });
  let issuer: TestIssuer;
  let gateway: Gateway;
  beforeAll(async () => {
    issuer = await startTestIssuer({ now: clock });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience });
    gateway = await startGateway(config, {
      logger: SILENT,
      clock,
      warn: () => {},
      supergraph: { kind: 'subgraphs', subgraphs: [{ name: 'vault', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }] },
    });
  });
  afterAll(async () => {
    await gateway.close();
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
    await issuer.close();
  });

  it('is refused, and a bronze caller is still asked to step up for the field', async () => {
    schema = vault('type Query { secret: String }');
    await expect(gateway.reload()).rejects.toThrow(/weakens the policy .*Query\.secret: no longer protected/);
    const { body } = await postGraphQL(gateway.url, '{ secret }', { token: await issuer.sign({ sub: 'alice', acr: BRONZE, auth_time: T0 }) });
    expect(body).toMatchObject({ data: { secret: null }, errors: [{ path: ['secret'], extensions: { code: 'STEP_UP_REQUIRED', requiredAcr: 'HIGH' } }] });
  });
});
