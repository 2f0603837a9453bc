import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOLD, postGraphQL } from '../helpers/gateway.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { startGatewayProcess } from '../helpers/process.js';
import { freePort, hasRedisServer, NO_REDIS_MESSAGE, startRedis } from '../helpers/redis.js';

if (!hasRedisServer) console.warn(NO_REDIS_MESSAGE);

const now = () => Math.floor(Date.now() / 1000);
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startTestIssuer({ now });
});
afterAll(() => issuer.close());

/** Resolves with how the process ended, or 'still running' after `ms`. */
const within = (exited: Promise<number | string>, ms: number) =>
  Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), ms))]);

/** Whether anything still answers at the URL. */
const answers = (url: string) =>
  fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(2_000) }).then(
    () => true,
    () => false,
  );

describe('stopping', () => {
  it('ends the process with 0 within 12 s of SIGTERM, with no Redis', async () => {
    const gateway = await startGatewayProcess({ OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience });
    await postGraphQL(gateway.url, '{ repositories { name } }');
    process.kill(gateway.pid, 'SIGTERM');
    expect(await within(gateway.exited, 12_000)).toBe(0);
  }, 30_000);

  it.skipIf(!hasRedisServer)(
    'ends the process with 0 within 12 s of SIGTERM, with REDIS_URL set and a keep-alive connection open',
    async () => {
      const redis = await startRedis();
      try {
        const gateway = await startGatewayProcess({ OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience, REDIS_URL: redis.url });
        await postGraphQL(gateway.url, '{ viewer { login } }', { token: await issuer.sign({ acr: GOLD, auth_time: now() }) });
        process.kill(gateway.pid, 'SIGTERM');
        expect(await within(gateway.exited, 12_000)).toBe(0);
      } finally {
        await redis.stop();
      }
    },
    30_000,
  );

  it('stops the gateway when npm start receives SIGTERM, and frees its port', async () => {
    const gateway = await startGatewayProcess({ OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience }, { npmStart: true });
    process.kill(gateway.pid, 'SIGTERM');
    // npm's own exit status varies with its version (0, or killed by the signal it passed on); what
    // counts is that npm and the gateway under it are gone and the port answers no more.
    const ended = await within(gateway.exited, 12_000);
    expect([ended === 'still running', await answers(gateway.url)]).toEqual([false, false]);
  }, 40_000);
});

describe('npm start and SIGHUP', () => {
  it('stops the gateway, rather than orphaning it, when npm start ends on a SIGHUP it does not pass on', async () => {
    const gateway = await startGatewayProcess({ OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience }, { npmStart: true });
    expect(gateway.output()).toMatch(/Reload the supergraph: kill -HUP \d+ /);
    process.kill(gateway.pid, 'SIGHUP');
    await within(gateway.exited, 5_000);
    // npm is gone at once; the gateway notices within a second or two, finishes, and frees its port.
    const deadline = Date.now() + 12_000;
    while ((await answers(gateway.url)) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 200));
    expect(await answers(gateway.url)).toBe(false);
  }, 40_000);
});

describe.skipIf(!hasRedisServer)('Redis down at start-up', () => {
  it('starts, serves anonymous callers, answers tokens with 503 SERVICE_UNAVAILABLE, and recovers when Redis comes', async () => {
    const port = await freePort();
    const gateway = await startGatewayProcess({ OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience, REDIS_URL: `redis://127.0.0.1:${port}` });
    const token = await issuer.sign({ acr: GOLD, auth_time: now() });
    try {
      const anonymous = await postGraphQL(gateway.url, '{ repositories { name } }');
      const withToken = await postGraphQL(gateway.url, '{ viewer { login } }', { token });
      expect([anonymous.status, withToken.status, withToken.body.errors?.[0]?.extensions?.['code']]).toEqual([200, 503, 'SERVICE_UNAVAILABLE']);

      const redis = await startRedis(port);
      try {
        let status = 0;
        for (let attempt = 0; attempt < 50 && status !== 200; attempt += 1) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          status = (await postGraphQL(gateway.url, '{ viewer { login } }', { token })).status;
        }
        expect(status).toBe(200);
      } finally {
        await gateway.stop();
        await redis.stop();
      }
    } finally {
      await gateway.stop();
    }
  }, 40_000);
});

describe('dev mode in production', () => {
  it('refuses to start without OIDC_ISSUER when NODE_ENV is production, and says what to set', async () => {
    await expect(startGatewayProcess({ NODE_ENV: 'production' })).rejects.toThrow(
      /exited with 1:[\s\S]*NODE_ENV is production but OIDC_ISSUER is not set: set OIDC_ISSUER .* or unset NODE_ENV/,
    );
  }, 30_000);
});
