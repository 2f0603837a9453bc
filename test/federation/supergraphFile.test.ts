import { mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gutHibSubgraphTypeDefs } from '../../examples/guthib/subgraphs/index.js';
import { composeSupergraph } from '../../src/federation/compose.js';
import { postGraphQL, SILVER, writeConfigFile } from '../helpers/gateway.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/process.js';
import { freePort } from '../helpers/redis.js';
import { startSubgraphProcess, type SubgraphProcess } from '../helpers/subgraphProcess.js';

/**
 * The gateway as operators run it on a supergraph composed elsewhere: its own process, the subgraphs'
 * processes, a supergraph file it watches, and SIGHUP.
 */
const dir = mkdtempSync(join(tmpdir(), 'supergraph-process-'));
const file = join(dir, 'supergraph.graphql');
let issuer: TestIssuer;
let subgraphs: SubgraphProcess[];
let gateway: GatewayProcess;
let original = '';
const clock = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  issuer = await startTestIssuer({ now: clock });
  const port = await freePort();
  const jwksUrl = `http://127.0.0.1:${port}/.well-known/gateway-jwks.json`;
  subgraphs = await Promise.all([
    startSubgraphProcess('accounts', { GATEWAY_JWKS_URL: jwksUrl }),
    startSubgraphProcess('repositories', { GATEWAY_JWKS_URL: jwksUrl }),
  ]);
  original = composeSupergraph(
    subgraphs.map((subgraph, index) => ({
      name: index === 0 ? 'accounts' : 'repositories',
      url: subgraph.url,
      sdl: gutHibSubgraphTypeDefs(index === 0 ? 'accounts' : 'repositories'),
    })),
  );
  writeFileSync(file, original);
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const keyFile = join(dir, 'identity-key.json');
  writeFileSync(keyFile, JSON.stringify(await exportJWK(privateKey)));
  gateway = await startGatewayProcess({
    PORT: String(port),
    OIDC_ISSUER: issuer.issuer,
    OIDC_AUDIENCE: issuer.audience,
    // The last test goes back to a weaker graph by SIGHUP: allowed here (refusing it is reloadPolicy.test.ts's).
    STEP_UP_CONFIG: writeConfigFile({ supergraph: file, subgraphIdentity: { keyFile }, reload: { allowWeakening: true } }),
  });
}, 60_000);
afterAll(async () => {
  await gateway?.stop();
  await Promise.all(subgraphs.map((subgraph) => subgraph.stop()));
  await issuer.close();
});

const EMAIL = '{ viewer { email } }';
const emailOf = async () => (await postGraphQL(gateway.url, EMAIL, { token: await issuer.sign({ sub: 'alice', acr: SILVER, auth_time: clock() }) })).body;

/** Polls until `check` holds, at most `ms`. */
async function eventually(check: () => Promise<boolean> | boolean, ms = 8_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a gateway process on a supergraph file', () => {
  it('serves the supergraph, its subgraphs verifying the identity through the JWKS the gateway publishes', async () => {
    expect(await emailOf()).toEqual({ data: { viewer: { email: 'alice@guthib.example' } } });
  });

  it('swaps in the file when it changes, and says so', async () => {
    writeFileSync(file, original.replace('email: String @isAuthenticated(acrValue: MEDIUM)', 'email: String @isAuthenticated(acrValue: HIGH)'));
    await eventually(async () => (await emailOf()).errors?.[0]?.extensions?.['requiredAcr'] === 'HIGH');
    expect(gateway.output()).toContain(`${file} changed: the new supergraph is served`);
  });

  it('keeps serving when the new file is refused, and logs why', async () => {
    writeFileSync(file, 'type {');
    await eventually(() => gateway.output().includes(`${file} changed: the new supergraph is refused, the current one keeps serving:`));
    expect((await emailOf()).errors?.[0]?.extensions?.['requiredAcr']).toBe('HIGH');
  });

  it('reads the file again on SIGHUP', async () => {
    // Written with its modification time kept, so that only the signal can make the gateway read it.
    const { atime, mtime } = statSync(file);
    writeFileSync(file, original);
    utimesSync(file, atime, mtime);
    gateway.signal('SIGHUP');
    await eventually(async () => (await emailOf()).errors === undefined);
    expect(gateway.output()).toContain('SIGHUP: the new supergraph is served');
  });
});
