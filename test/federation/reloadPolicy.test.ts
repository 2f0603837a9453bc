import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInMemorySource } from '../../examples/guthib/index.js';
import { gutHibSubgraphTypeDefs, startGutHibSubgraphs } from '../../examples/guthib/subgraphs/index.js';
import { loadConfig } from '../../src/config.js';
import { composeSupergraph } from '../../src/federation/compose.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { BRONZE, postGraphQL, T0, writeConfigFile } from '../helpers/gateway.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { capturedLogger } from '../helpers/logs.js';

/**
 * A reload never weakens policy silently: a supergraph file that lowers or drops a requirement is refused
 * (the current graph keeps serving), audited and counted, unless `reload.allowWeakening` says otherwise.
 */
const clock = () => T0;
const TRANSFER = 'mutation { transferRepositoryOwnership(repositoryId: "Repository:3", newOwner: "bob") { owner { login } } }';
const LOWERED = (sdl: string) => sdl.replace(/(transferRepositoryOwnership\([^)]*\): Repository!?\s*@isAuthenticated\(acrValue: )HIGH/, '$1MEDIUM');

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
      }),
    );
    const metrics = await (await fetch(r.gateway.metricsUrl!)).text();
    expect(metrics).toMatch(/stepup_gateway_policy_weakenings_total\{coordinate="Mutation.transferRepositoryOwnership",outcome="refused"\} [1-9]/);
  });

  it('refuses a supergraph that drops a requirement', async () => {
    writeFileSync(r.file, r.original.replace('email: String @isAuthenticated(acrValue: MEDIUM)', 'email: String'));
    await expect(r.gateway.reload()).rejects.toThrow(/User\.email: no longer protected/);
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
