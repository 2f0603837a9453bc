import { createClient } from '@keyv/redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BRONZE, SILVER, startHarness, T0, type Harness } from '../helpers/gateway.js';
import { freePort, hasRedisServer, NO_REDIS_MESSAGE, startRedis, type RedisServer } from '../helpers/redis.js';
import { startSubscriber, type Subscriber } from '../helpers/subscriber.js';

if (!hasRedisServer) console.warn(NO_REDIS_MESSAGE);

const STARRED = 'subscription Stars { repositoryStarred { repository { name stars } by { login } } }';
const STAR = 'mutation Star($id: ID!) { starRepository(id: $id) { stars } }';
const ALICE_CHANNEL = 'guthib:stars:alice';

/**
 * Two replicas of the gateway and its example graph (each with its own subgraphs and in-memory data) share a
 * real redis-server: the example's star events go through Redis pub/sub, so a subscription held by one
 * replica hears the stars given through the other.
 */
describe.skipIf(!hasRedisServer).each(['local', 'federated'] as const)('star events across replicas over Redis (%s)', (mode) => {
  let redis: RedisServer;
  let admin: ReturnType<typeof createClient>;
  let one: Harness;
  let two: Harness;
  let subscribers: Subscriber[];
  /** Redis subscribers on alice's channel now, all replicas together. */
  const listening = async () => ((await admin.sendCommand(['PUBSUB', 'NUMSUB', ALICE_CHANNEL])) as [string, number])[1];
  const until = async (condition: () => Promise<boolean>) => {
    for (let i = 0; i < 100 && !(await condition()); i += 1) await new Promise((done) => setTimeout(done, 20));
    expect(await condition()).toBe(true);
  };
  const subscribeAt = async (h: Harness) => {
    const subscriber = startSubscriber(h.gateway.url, { token: await h.issuer.sign({ acr: SILVER, auth_time: T0 }) });
    subscribers.push(subscriber);
    return subscriber.subscribe(STARRED);
  };
  const starAt = async (h: Harness, id: string) => {
    const answer = await h.post(STAR, { token: await h.issuer.sign({ sub: 'bob', acr: BRONZE, auth_time: T0 }), variables: { id } });
    expect(answer.body).toMatchObject({ data: { starRepository: {} } });
  };

  beforeAll(async () => {
    redis = await startRedis();
    admin = createClient({ url: redis.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.quit();
    await redis?.stop();
  });
  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0 * 1000);
    subscribers = [];
    [one, two] = await Promise.all([startHarness({ mode, starEventsRedisUrl: redis.url }), startHarness({ mode, starEventsRedisUrl: redis.url })]);
  });
  afterEach(async () => {
    await Promise.all(subscribers.map((subscriber) => subscriber.close()));
    await Promise.all([one.close(), two.close()]);
    vi.useRealTimers();
  });

  it('delivers a star given through one replica to a subscription held by the other', async () => {
    const stars = await subscribeAt(one);
    await until(async () => (await listening()) === 1);
    await starAt(two, 'Repository:1');
    expect(await stars.take()).toEqual({
      kind: 'next',
      result: { data: { repositoryStarred: { repository: { name: 'gut', stars: 43 }, by: { login: 'bob' } } } },
    });
  });

  it('delivers a star once to each replica’s subscriptions, the one it was given through included', async () => {
    const [atOne, atTwo] = [await subscribeAt(one), await subscribeAt(two)];
    await until(async () => (await listening()) === 2);
    await starAt(one, 'Repository:2');
    for (const stars of [atOne, atTwo]) {
      expect(await stars.take()).toMatchObject({ kind: 'next', result: { data: { repositoryStarred: { repository: { name: 'website' } } } } });
      expect(await stars.quiet(200)).toBe(true);
    }
  });

  it('stops listening on Redis when the owner’s last subscription ends', async () => {
    const stars = await subscribeAt(one);
    await until(async () => (await listening()) === 1);
    stars.unsubscribe();
    await until(async () => (await listening()) === 0);
  });

  it('still answers a star while Redis is away, and delivers nothing for it', async () => {
    const away = await startHarness({ mode, starEventsRedisUrl: `redis://127.0.0.1:${await freePort()}` });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const subscriber = startSubscriber(away.gateway.url, { token: await away.issuer.sign({ acr: SILVER, auth_time: T0 }) });
      subscribers.push(subscriber);
      const stars = subscriber.subscribe(STARRED);
      await subscriber.connected;
      const answer = await away.post(STAR, { token: await away.issuer.sign({ sub: 'bob', acr: BRONZE, auth_time: T0 }), variables: { id: 'Repository:1' } });
      expect(answer.body).toEqual({ data: { starRepository: { stars: 43 } } });
      expect(await stars.quiet(300)).toBe(true);
      expect(warn.mock.calls.map(([message]) => String(message)).some((message) => message.includes('was not published'))).toBe(true);
    } finally {
      warn.mockRestore();
      await away.close();
    }
  });
});
