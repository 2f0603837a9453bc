import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintDevToken } from '../../src/auth/devIssuer.js';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { postGraphQL } from '../helpers/gateway.js';
import { createGutHibGraph } from '../../examples/guthib/index.js';
import { SILENT } from '../helpers/logs.js';

const run = promisify(execFile);

/** Dev mode as `npm start` runs it: no OIDC_ISSUER, its own key in a folder, its own discovery. */
let gateway: Gateway;
let configFile: string;
let port: number;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'guthib-dev-'));
  configFile = join(dir, 'step-up.config.json');
  writeFileSync(configFile, JSON.stringify({ devKeyDir: join(dir, 'keys') }));
  gateway = await startGateway(loadConfig({ PORT: '0', HOST: '127.0.0.1', STEP_UP_CONFIG: configFile }), { logger: SILENT, graph: createGutHibGraph() });
  port = Number(new URL(gateway.url).port);
});
afterAll(() => gateway.close());

describe('dev mode', () => {
  it('names itself the issuer at http://localhost:<port>', () => {
    expect(gateway.issuer).toBe(`http://localhost:${port}`);
  });

  it("serves the embedded provider's discovery document, with introspection and back-channel logout", async () => {
    const discovery = await (await fetch(`${gateway.issuer}/.well-known/openid-configuration`)).json();
    expect(discovery).toMatchObject({
      issuer: gateway.issuer,
      jwks_uri: `${gateway.issuer}/jwks`,
      introspection_endpoint: `${gateway.issuer}/token/introspection`,
      backchannel_logout_supported: true,
      acr_values_supported: ['urn:mace:incommon:iap:bronze', 'urn:mace:incommon:iap:silver', 'urn:mace:incommon:iap:gold'],
    });
  });

  it('publishes only the public half of the dev key', async () => {
    const jwks = (await (await fetch(`${gateway.issuer}/jwks`)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', kid: gateway.devKey!.publicJwk.kid, use: 'sig' })]);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('accepts a token minted with its key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await mintDevToken(gateway.devKey!, {
      issuer: gateway.issuer,
      audience: 'guthib-api',
      subject: 'alice',
      acr: 'urn:mace:incommon:iap:gold',
      authTime: now,
      now,
      ttl: 60,
    });
    const { body } = await postGraphQL(gateway.url, '{ viewer { login paymentMethods { last4 } } }', { token });
    expect(body).toEqual({ data: { viewer: { login: 'alice', paymentMethods: [{ last4: '4242' }] } } });
  });

  it('accepts a token printed by npm run token for the same port and key folder', async () => {
    const { stdout } = await run('npx', ['tsx', 'src/cli/main.ts', 'token', '--sub', 'alice', '--acr', 'MEDIUM', '--auth-age', '30'], {
      env: { ...process.env, PORT: String(port), STEP_UP_CONFIG: configFile },
    });
    const { body } = await postGraphQL(gateway.url, '{ viewer { email paymentMethods { last4 } } }', { token: stdout.trim() });
    expect(body).toMatchObject({
      data: { viewer: { email: 'alice@guthib.example', paymentMethods: null } },
      errors: [{ path: ['viewer', 'paymentMethods'], extensions: { code: 'STEP_UP_REQUIRED', requiredAcr: 'HIGH' } }],
    });
  });

  it('serves the demo client at / with the provider as its issuer', async () => {
    const response = await fetch(`${gateway.issuer}/`);
    const html = await response.text();
    expect([response.status, html.includes(`const ISSUER = "${gateway.issuer}"`), html.includes("client_id: 'guthib-web'")]).toEqual([200, true, true]);
  });

  it('makes npm run token fail with its usage when --sub is missing', async () => {
    const failed = await run('npx', ['tsx', 'src/cli/main.ts', 'token'], { env: { ...process.env, STEP_UP_CONFIG: configFile } }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 2, stderr: expect.stringContaining('--sub is required') });
  });
});
