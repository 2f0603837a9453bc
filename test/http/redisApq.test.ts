import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/persisted/manifest.js';
import { startHarness, type Harness } from '../helpers/gateway.js';
import { hasRedisServer, NO_REDIS_MESSAGE, startRedis, type RedisServer } from '../helpers/redis.js';

if (!hasRedisServer) console.warn(NO_REDIS_MESSAGE);

describe.skipIf(!hasRedisServer)('automatic persisted queries in a real Redis', () => {
  let redis: RedisServer;
  let first: Harness;
  let second: Harness;
  beforeAll(async () => {
    redis = await startRedis();
    first = await startHarness({ env: { REDIS_URL: redis.url } });
    second = await startHarness({ env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await first.close();
    await second.close();
    await redis.stop();
  });

  const query = '{ repository(owner: "alice", name: "website") { name stars } }';
  const extensions = { persistedQuery: { version: 1, sha256Hash: sha256Hex(query) } };

  it('serves a query registered on one gateway from another by hash alone', async () => {
    const miss = await second.send({ extensions });
    const register = await first.send({ query, extensions });
    // Apollo stores a registration without waiting for the cache: give Redis a moment.
    let hit = await second.send({ extensions });
    for (let attempt = 0; attempt < 20 && hit.body.errors !== undefined; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      hit = await second.send({ extensions });
    }
    expect([miss.body.errors?.[0]?.extensions?.['code'], register.body.data, hit.body.data]).toEqual([
      'PERSISTED_QUERY_NOT_FOUND',
      { repository: { name: 'website', stars: 3 } },
      { repository: { name: 'website', stars: 3 } },
    ]);
  });

  it('keeps serving documents when Redis goes away: APQ misses, nothing crashes', async () => {
    const other = '{ repositories(first: 1) { name } }';
    await redis.stop();
    const apq = await first.send({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(other) } } });
    const plain = await first.post(other);
    expect([apq.body.errors?.[0]?.extensions?.['code'], plain.status]).toEqual(['PERSISTED_QUERY_NOT_FOUND', 200]);
  });
});
