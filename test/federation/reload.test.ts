import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createInMemorySource } from '../../examples/guthib/index.js';
import { gutHibSubgraphTypeDefs, startGutHibSubgraphs } from '../../examples/guthib/subgraphs/index.js';
import { loadConfig } from '../../src/config.js';
import { composeSupergraph } from '../../src/federation/compose.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { postGraphQL, SILVER, T0 } from '../helpers/gateway.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { SILENT } from '../helpers/logs.js';

/** A gateway serving a supergraph file composed elsewhere, which the tests rewrite. */
let issuer: TestIssuer;
let gateway: Gateway;
let closeSubgraphs: () => Promise<void>;
let original = '';
const file = join(mkdtempSync(join(tmpdir(), 'supergraph-')), 'supergraph.graphql');
const clock = () => T0;

beforeAll(async () => {
  issuer = await startTestIssuer({ now: clock });
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience });
  gateway = await startGateway(config, {
    logger: SILENT,
    clock,
    warn: () => {},
    supergraph: async ({ identityJwksUrl, identityIssuer }) => {
      const running = await startGutHibSubgraphs({ source: createInMemorySource(), clock, identity: { issuer: identityIssuer, jwksUrl: identityJwksUrl } });
      closeSubgraphs = () => running.close();
      original = composeSupergraph(running.subgraphs.map((subgraph) => ({ ...subgraph, sdl: gutHibSubgraphTypeDefs(subgraph.name) })));
      writeFileSync(file, original);
      return { kind: 'file', path: file, subgraphs: [] };
    },
  });
});
afterAll(async () => {
  await gateway.close();
  await closeSubgraphs();
  await issuer.close();
});
beforeEach(async () => {
  writeFileSync(file, original);
  await gateway.reload();
});

const EMAIL = '{ viewer { email } }';
const silver = () => issuer.sign({ sub: 'alice', acr: SILVER, auth_time: T0 });

describe('a supergraph file that changes', () => {
  it('says nothing changed when the file is the same', async () => {
    expect(await gateway.reload()).toEqual({ changed: false });
  });

  it('is refused when it does not parse, and the current graph keeps serving', async () => {
    writeFileSync(file, 'schema {');
    await expect(gateway.reload()).rejects.toThrow(/Syntax Error/);
    expect((await postGraphQL(gateway.url, EMAIL, { token: await silver() })).body).toEqual({ data: { viewer: { email: 'alice@guthib.example' } } });
    expect(gateway.supergraphSdl).toBe(original);
  });

  it('is refused when its policy names a level the ladder does not have, naming the coordinate', async () => {
    writeFileSync(file, original.replace('email: String @isAuthenticated(acrValue: MEDIUM)', 'email: String @isAuthenticated(acrValue: ULTRA)'));
    await expect(gateway.reload()).rejects.toThrow(/@isAuthenticated on User\.email: .*ULTRA/);
    expect(gateway.policy.fields.get('User.email')?.requirement.level).toBe('MEDIUM');
  });
  // Last: a stricter graph cannot be reloaded back (that would weaken it), see reloadPolicy.test.ts.
  it('is served as it is on disk after a reload: a stricter policy applies to the next request', async () => {
    expect((await postGraphQL(gateway.url, EMAIL, { token: await silver() })).body).toEqual({ data: { viewer: { email: 'alice@guthib.example' } } });
    writeFileSync(file, original.replace('email: String @isAuthenticated(acrValue: MEDIUM)', 'email: String @isAuthenticated(acrValue: HIGH)'));
    expect(await gateway.reload()).toEqual({ changed: true });
    const { body } = await postGraphQL(gateway.url, EMAIL, { token: await silver() });
    expect(body.errors).toMatchObject([{ path: ['viewer', 'email'], extensions: { code: 'STEP_UP_REQUIRED', requiredAcr: 'HIGH' } }]);
    expect(gateway.policy.fields.get('User.email')?.requirement.level).toBe('HIGH');
  });
});
