import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOLD, transferApproval, postGraphQL } from '../helpers/gateway.js';

import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/process.js';
import { hasRedisServer, NO_REDIS_MESSAGE, startRedis, type RedisServer } from '../helpers/redis.js';

/** Approvals of every transfer these tests make: the one-time rule is what is tested here, not the approval. */
const APPROVED = { authorization_details: ['Repository:1', 'Repository:2', 'Repository:3'].map((id) => transferApproval(id, 'bob')) };

if (!hasRedisServer) console.warn(NO_REDIS_MESSAGE);

/** Two gateway processes sharing one real Redis: what two replicas behind a load balancer see. */
describe.skipIf(!hasRedisServer)('two gateway processes on one Redis', () => {
  let redis: RedisServer;
  let issuer: TestIssuer;
  let a: GatewayProcess;
  let b: GatewayProcess;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    redis = await startRedis();
    issuer = await startTestIssuer({ now });
    const env = { OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience, REDIS_URL: redis.url };
    [a, b] = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await issuer?.close();
  });

  const TRANSFER = 'mutation { transferRepositoryOwnership(repositoryId: "Repository:1", newOwner: "bob") { name } }';

  it('honours on one process a logout received by the other', async () => {
    const token = await issuer.sign({ ...APPROVED, acr: GOLD, auth_time: now(), sid: 'shared-session' });
    const before = await postGraphQL(b.url, '{ viewer { login } }', { token });
    const logoutToken = await issuer.sign(
      { aud: 'guthib-web', sid: 'shared-session', jti: crypto.randomUUID(), events: { 'http://schemas.openid.net/event/backchannel-logout': {} } },
      { header: { typ: 'logout+jwt' }, omit: ['exp', 'client_id'] },
    );
    const logout = await fetch(new URL('/backchannel-logout', a.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: logoutToken }),
    });
    const after = await postGraphQL(b.url, '{ viewer { login } }', { token });
    expect([before.status, logout.status, after.status]).toEqual([200, 200, 401]);
  });

  it('runs exactly once 50 concurrent replays of one token spread over both', async () => {
    // Each process has its own in-memory data: only the one-time claim is shared. Exactly one 200 in all.
    const token = await issuer.sign({ ...APPROVED, acr: GOLD, auth_time: now(), sid: 'replayed' });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => postGraphQL(i % 2 === 0 ? a.url : b.url, TRANSFER, { token })));
    const ok = answers.filter((answer) => answer.status === 200).length;
    const refused = answers.filter((answer) => answer.status === 401 && answer.body.errors?.[0]?.extensions?.['once'] === true).length;
    expect([ok, refused]).toEqual([1, 49]);
  });

  it('spends one approval once across both: 20 presentations of one token (one jti) from 20 logins, one transfer', async () => {
    // Each presentation is a login of its own (another sid), so the one-time rule lets every one through:
    // only the approval, consumed in Redis by token and details, stops the other 19.
    const jti = crypto.randomUUID();
    const approval = { authorization_details: [transferApproval('Repository:2', 'bob')] };
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => issuer.sign({ ...approval, jti, acr: GOLD, auth_time: now(), sid: `login-${i}` })));
    const transfer = 'mutation { transferRepositoryOwnership(repositoryId: "Repository:2", newOwner: "bob") { name } }';
    const answers = await Promise.all(tokens.map((token, i) => postGraphQL(i % 2 === 0 ? a.url : b.url, transfer, { token })));
    const ok = answers.filter((answer) => answer.status === 200).length;
    const used = answers.filter((answer) => answer.status === 401 && answer.body.errors?.[0]?.extensions?.['used'] === true).length;
    expect([ok, used]).toEqual([1, 19]);
  });

  it('fails closed with 503 SERVICE_UNAVAILABLE while Redis is away, serves anonymous callers, and recovers', async () => {
    const token = await issuer.sign({ ...APPROVED, acr: GOLD, auth_time: now(), sid: 'outage' });
    const port = Number(new URL(redis.url).port);
    await redis.stop();
    const during = await postGraphQL(a.url, '{ viewer { login } }', { token });
    const anonymous = await postGraphQL(a.url, '{ repositories { name } }');
    redis = await startRedis(port);
    let after = await postGraphQL(a.url, '{ viewer { login } }', { token });
    for (let attempt = 0; attempt < 50 && after.status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await postGraphQL(a.url, '{ viewer { login } }', { token });
    }
    expect([during.status, during.body.errors?.[0]?.extensions?.['code'], anonymous.status, after.status]).toEqual([503, 'SERVICE_UNAVAILABLE', 200, 200]);
  });
});
