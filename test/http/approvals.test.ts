import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOnceLedger } from '../../src/graphql/once.js';
import { createRedisState } from '../../src/state/redisState.js';
import type { Principal } from '../../src/auth/principal.js';
import { GOLD, SILVER, startHarness, T0, transferApproval, type Harness } from '../helpers/gateway.js';
import { hasRedisServer, NO_REDIS_MESSAGE, startRedis, type RedisServer } from '../helpers/redis.js';

/**
 * A transfer is bound to its arguments (`binds: ["repositoryId", "newOwner"]`): the token must carry the user's
 * approval of exactly this repository going to exactly this new owner (RFC 9396 authorization_details), once.
 */
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const transfer = (repositoryId: string, newOwner: string) =>
  `mutation { transferRepositoryOwnership(repositoryId: "${repositoryId}", newOwner: "${newOwner}") { name owner { login } } }`;
const GUT_TO_BOB = transferApproval('Repository:1', 'bob');
const gold = (approvals: readonly object[], claims: Record<string, unknown> = {}) =>
  h.issuer.sign({ sub: 'alice', acr: GOLD, auth_time: T0 - 30, authorization_details: approvals, ...claims });
const ownerOf = async (key: string) => (await h.source.repositoriesByKey([key]))[0]?.ownerLogin;
const sentTransfers = () => h.received.filter((entry) => entry.query.includes('transferRepositoryOwnership'));
/** Every auth-param of a `WWW-Authenticate: Bearer …` challenge. */
function challengeParams(header: string): Record<string, string> {
  return Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map(([, name, value]) => [name!, value!]));
}
/** The `authorization_remediation` of a challenge, decoded. */
const remediation = (header: string | null) =>
  JSON.parse(Buffer.from(challengeParams(header ?? '')['authorization_remediation'] ?? '', 'base64url').toString('utf8')) as unknown;

describe('a transfer whose token carries no approval of it', () => {
  it('is refused with 401 insufficient_authorization whose remediation decodes to the repository and the new owner', async () => {
    const { status, headers } = await h.post(transfer('Repository:1', 'bob'), { token: await gold([]) });
    const params = challengeParams(headers.get('www-authenticate') ?? '');
    expect([status, params['error'], params['acr_values'], params['max_age']]).toEqual([401, 'insufficient_authorization', GOLD, '300']);
    expect(remediation(headers.get('www-authenticate'))).toEqual({ authorization_details: [GUT_TO_BOB] });
  });

  it('says the same in the body: APPROVAL_REQUIRED with the authorization details and the level requirement', async () => {
    const { body } = await h.post(transfer('Repository:1', 'bob'), { token: await gold([]) });
    expect(body).toEqual({
      errors: [
        {
          message: 'The user must approve this call of Mutation.transferRepositoryOwnership (authorization_details in the access token)',
          locations: [{ line: 1, column: 12 }],
          path: ['transferRepositoryOwnership'],
          extensions: { code: 'APPROVAL_REQUIRED', authorizationDetails: [GUT_TO_BOB], requiredAcr: 'HIGH', acrValues: GOLD, maxAge: 300 },
        },
      ],
    });
  });

  it('reaches no subgraph and leaves the repository with its owner', async () => {
    await h.post(transfer('Repository:1', 'bob'), { token: await gold([]) });
    expect([sentTransfers(), await ownerOf('1')]).toEqual([[], 'alice']);
  });

  it('names the coerced values: an ID given as a number is the string the schema makes of it', async () => {
    const { headers } = await h.post('mutation ($id: ID!) { transferRepositoryOwnership(repositoryId: $id, newOwner: "bob") { name } }', {
      token: await gold([]),
      variables: { id: 7 },
    });
    expect(remediation(headers.get('www-authenticate'))).toEqual({ authorization_details: [transferApproval('7', 'bob')] });
  });
});

describe('a silver token for a transfer', () => {
  it('learns both in one round trip: the RFC 9470 challenge carries the remediation too', async () => {
    const { status, headers, body } = await h.post(transfer('Repository:1', 'bob'), { token: await gold([GUT_TO_BOB], { acr: SILVER }) });
    const params = challengeParams(headers.get('www-authenticate') ?? '');
    expect([status, params['error'], params['acr_values'], body.errors?.[0]?.extensions?.['code']]).toEqual([
      401,
      'insufficient_user_authentication',
      GOLD,
      'STEP_UP_REQUIRED',
    ]);
    expect(remediation(headers.get('www-authenticate'))).toEqual({ authorization_details: [GUT_TO_BOB] });
    expect(await ownerOf('1')).toBe('alice');
  });
});

describe('a token carrying the approval', () => {
  it('transfers exactly that repository to exactly that new owner', async () => {
    const { status, body } = await h.post(transfer('Repository:1', 'bob'), { token: await gold([GUT_TO_BOB]) });
    expect([status, body]).toEqual([200, { data: { transferRepositoryOwnership: { name: 'gut', owner: { login: 'bob' } } } }]);
  });

  it('serves one call: the same token again is refused, asking for a new login and a new approval in one challenge', async () => {
    const token = await gold([GUT_TO_BOB]);
    await h.post(transfer('Repository:1', 'bob'), { token });
    const again = await h.post(transfer('Repository:1', 'bob'), { token });
    const params = challengeParams(again.headers.get('www-authenticate') ?? '');
    expect([again.status, params['error'], params['max_age'], again.body.errors?.[0]?.extensions?.['authorizationDetails']]).toEqual([
      401,
      'insufficient_user_authentication',
      '0',
      [GUT_TO_BOB],
    ]);
    expect(remediation(again.headers.get('www-authenticate'))).toEqual({ authorization_details: [GUT_TO_BOB] });
    expect(sentTransfers()).toHaveLength(1);
  });

  it('is refused as used when another token of the same login carries it again after the approval was consumed', async () => {
    const approval = transferApproval('Repository:1', 'bob');
    await h.post(transfer('Repository:1', 'bob'), { token: await gold([approval], { jti: 'approval-1' }) });
    // The same jti: the same token as far as the issuer is concerned, presented in another encoding (a new auth event, so once passes).
    const replayed = await h.post(transfer('Repository:1', 'bob'), { token: await gold([approval], { jti: 'approval-1', auth_time: T0 - 10 }) });
    const params = challengeParams(replayed.headers.get('www-authenticate') ?? '');
    expect([replayed.status, params['error'], replayed.body.errors?.[0]?.extensions?.['used']]).toEqual([401, 'insufficient_authorization', true]);
  });

  it('does not authorize another repository', async () => {
    const { status } = await h.post(transfer('Repository:2', 'bob'), { token: await gold([GUT_TO_BOB]) });
    expect([status, await ownerOf('2')]).toEqual([401, 'alice']);
  });

  it('does not authorize another new owner', async () => {
    const { status } = await h.post(transfer('Repository:1', 'carol'), { token: await gold([GUT_TO_BOB]) });
    expect([status, await ownerOf('1')]).toEqual([401, 'alice']);
  });

  it('does not authorize another coordinate', async () => {
    const elsewhere = { ...GUT_TO_BOB, coordinate: 'Mutation.updateEmail' };
    const { status } = await h.post(transfer('Repository:1', 'bob'), { token: await gold([elsewhere]) });
    expect([status, await ownerOf('1')]).toEqual([401, 'alice']);
  });

  it('does not authorize a lower level: bronze with the approval gets the step-up challenge', async () => {
    const { status, body } = await h.post(transfer('Repository:1', 'bob'), { token: await gold([GUT_TO_BOB], { acr: 'urn:mace:incommon:iap:bronze' }) });
    expect([status, body.errors?.[0]?.extensions?.['code'], await ownerOf('1')]).toEqual([401, 'STEP_UP_REQUIRED', 'alice']);
  });

  it('does not authorize an approval that is older than the level allows (gold 301 seconds ago)', async () => {
    const { status } = await h.post(transfer('Repository:1', 'bob'), { token: await gold([GUT_TO_BOB], { auth_time: T0 - 301 }) });
    expect([status, await ownerOf('1')]).toEqual([401, 'alice']);
  });

  it('does not authorize a second call in the same operation: two aliases refuse the whole mutation', async () => {
    const { status } = await h.post(
      'mutation { a: transferRepositoryOwnership(repositoryId: "Repository:1", newOwner: "bob") { name } b: transferRepositoryOwnership(repositoryId: "Repository:1", newOwner: "bob") { name } }',
      { token: await gold([GUT_TO_BOB]) },
    );
    expect([status, sentTransfers(), await ownerOf('1')]).toEqual([401, [], 'alice']);
  });

  it('matches on canonical JSON: the token may order the keys as it likes', async () => {
    const reordered = {
      type: 'repository_transfer',
      arguments: { repositoryId: 'Repository:1', newOwner: 'bob' },
      coordinate: 'Mutation.transferRepositoryOwnership',
    };
    const { status } = await h.post(transfer('Repository:1', 'bob'), { token: await gold([reordered]) });
    expect(status).toBe(200);
  });

  it('does not match an approval with an extra member', async () => {
    const widened = { ...GUT_TO_BOB, arguments: { ...GUT_TO_BOB.arguments, note: 'x' } };
    const { status } = await h.post(transfer('Repository:1', 'bob'), { token: await gold([widened]) });
    expect(status).toBe(401);
  });

  it('tells the repositories subgraph what the user approved, in the transaction context', async () => {
    await h.post(transfer('Repository:1', 'bob'), { token: await gold([GUT_TO_BOB]) });
    expect(sentTransfers().map((entry) => entry.approved)).toEqual([[GUT_TO_BOB]]);
  });
});

describe('an introspected (opaque) token', () => {
  let o: Harness;
  beforeAll(async () => {
    o = await startHarness({ file: { opaqueTokens: true }, env: { OIDC_CLIENT_ID: 'guthib-gateway', OIDC_CLIENT_SECRET: 'gateway-secret' } });
  });
  afterAll(() => o.close());
  const answer = (token: string, approvals: readonly object[]) =>
    o.issuer.introspection.set(token, {
      active: true,
      sub: 'alice',
      aud: o.issuer.audience,
      acr: GOLD,
      auth_time: T0 - 30,
      iat: T0,
      exp: T0 + 600,
      authorization_details: approvals,
    });

  it('transfers once when its introspection answer carries the approval (RFC 9396 §9.2)', async () => {
    answer('opaque-approved', [transferApproval('Repository:1', 'bob')]);
    const first = await o.post(transfer('Repository:1', 'bob'), { token: 'opaque-approved' });
    const second = await o.post(transfer('Repository:1', 'bob'), { token: 'opaque-approved' });
    expect([first.status, second.status]).toEqual([200, 401]);
  });

  it('is refused with insufficient_authorization when its answer carries another approval', async () => {
    answer('opaque-other', [transferApproval('Repository:2', 'bob')]);
    const { status, headers } = await o.post(transfer('Repository:3', 'bob'), { token: 'opaque-other' });
    expect([status, challengeParams(headers.get('www-authenticate') ?? '')['error']]).toEqual([401, 'insufficient_authorization']);
  });
});

if (!hasRedisServer) console.warn(NO_REDIS_MESSAGE);

describe.skipIf(!hasRedisServer)('approvals consumed in Redis by two replicas', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  }, 30_000);
  afterAll(() => redis?.stop());

  it('consumes one approval of one token exactly once of 50 concurrent tries spread over both', async () => {
    const states = [createRedisState(redis.url, { warn: () => {} }), createRedisState(redis.url, { warn: () => {} })];
    // Commands fail at once while a client connects (fail closed): wait until both answer.
    while (!states.every((state) => state.available?.() === true)) await new Promise((resolve) => setTimeout(resolve, 20));
    const ledgers = states.map((state) => createOnceLedger(state));
    const principal: Principal = { subject: 'alice', issuer: 'https://issuer.example', expiresAt: T0 + 600, claims: { jti: 'token-1', sub: 'alice' } };
    const tries = await Promise.all(Array.from({ length: 50 }, (_, i) => ledgers[i % 2]!.consumeApproval(principal, GUT_TO_BOB, T0)));
    const other = await ledgers[1]!.consumeApproval(principal, transferApproval('Repository:2', 'bob'), T0);
    await Promise.all(states.map((state) => state.close()));
    expect([tries.filter(Boolean).length, other]).toEqual([1, true]);
  });
});
