import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { postGraphQL, T0, writeConfigFile } from '../helpers/gateway.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { createGutHibGraph } from '../../examples/guthib/index.js';
import { SILENT } from '../helpers/logs.js';

let gateway: Gateway | undefined;
let issuer: TestIssuer | undefined;
afterEach(async () => {
  await gateway?.close();
  await issuer?.close();
});

async function start(file: object = {}): Promise<{ gateway: Gateway; issuer: TestIssuer }> {
  issuer = await startTestIssuer({ now: () => T0 });
  gateway = await startGateway(
    loadConfig({ PORT: '0', HOST: '127.0.0.1', OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience, STEP_UP_CONFIG: writeConfigFile(file) }),
    { logger: SILENT, graph: createGutHibGraph(), clock: () => T0, warn: () => undefined },
  );
  return { gateway, issuer };
}

describe("the issuer's keys out of reach or changing", () => {
  it('starts while the JWKS is down, refuses tokens with 503 AUTH_UNAVAILABLE, and accepts them once it answers', async () => {
    const { gateway, issuer } = await start();
    issuer.mode = 'down';
    const token = await issuer.sign();
    const during = await postGraphQL(gateway.url, '{ viewer { login } }', { token });
    issuer.mode = 'up';
    const after = await postGraphQL(gateway.url, '{ viewer { login } }', { token });
    expect([during.status, during.body.errors?.[0]?.extensions?.['code'], during.headers.get('retry-after'), after.status]).toEqual([
      503,
      'AUTH_UNAVAILABLE',
      '5',
      200,
    ]);
  });

  it('keeps accepting known keys while the JWKS is down, and refuses an unknown kid without crashing', async () => {
    const { gateway, issuer } = await start({ jwksCooldownMs: 0 });
    const known = await issuer.sign();
    await postGraphQL(gateway.url, '{ viewer { login } }', { token: known });
    issuer.mode = 'down';
    const stranger = await issuer.sign({}, { key: await issuer.newKey('stranger') });
    const [cached, fresh, unknown] = await Promise.all([
      postGraphQL(gateway.url, '{ viewer { login } }', { token: known }),
      postGraphQL(gateway.url, '{ viewer { login } }', { token: await issuer.sign({ sub: 'bob' }) }),
      postGraphQL(gateway.url, '{ viewer { login } }', { token: stranger }),
    ]);
    expect([cached.status, fresh.status, unknown.status]).toEqual([200, 200, 503]);
  });

  it('picks up a rotated key without a restart', async () => {
    const { gateway, issuer } = await start({ jwksCooldownMs: 0 });
    await postGraphQL(gateway.url, '{ viewer { login } }', { token: await issuer.sign() });
    const rotated = await issuer.newKey('rotated-2');
    issuer.publish(rotated);
    const { status } = await postGraphQL(gateway.url, '{ viewer { login } }', { token: await issuer.sign({}, { key: rotated }) });
    expect(status).toBe(200);
  });

  it('bounds a slow JWKS by its timeout: 503 within the timeout, not a hung request', async () => {
    const { gateway, issuer } = await start({ jwksTimeoutMs: 300 });
    issuer.mode = 'slow';
    const started = Date.now();
    const { status } = await postGraphQL(gateway.url, '{ viewer { login } }', { token: await issuer.sign() });
    expect([status, Date.now() - started < 1_500]).toEqual([503, true]);
  });
});
