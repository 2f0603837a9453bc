import { closeRedisClient, createRedisClient } from './redisClient.js';
import { StateUnavailable, type SharedState } from './store.js';

/**
 * Shared state in Redis. `claim` is `SET key 1 NX PX ttl`, atomic across replicas. While Redis is
 * away (at start-up too) a command fails at once: the caller gets `StateUnavailable` (fail closed)
 * instead of waiting, and the client reconnects in the background.
 */
export function createRedisState(url: string, options: { prefix?: string; warn: (message: string) => void }): SharedState {
  const prefix = options.prefix ?? 'step-up:';
  const client = createRedisClient(url, { name: 'state', warn: options.warn });

  const guarded = async <T>(command: () => Promise<T>): Promise<T> => {
    try {
      return await command();
    } catch (error) {
      throw new StateUnavailable(`the shared state store is unavailable (${(error as Error).message})`);
    }
  };
  return {
    available: () => client.isReady,
    claim: (key, ttlMs) =>
      guarded(
        async () => (await client.set(prefix + key, '1', { condition: 'NX', expiration: { type: 'PX', value: Math.max(1, Math.ceil(ttlMs)) } })) === 'OK',
      ),
    isClaimed: (key) => guarded(async () => (await client.exists(prefix + key)) === 1),
    raise: (key, value, ttlMs) =>
      guarded(async () => {
        // Keep the largest value: a late, older logout must not move the cut-off back.
        await client.eval(
          "local v = tonumber(redis.call('GET', KEYS[1]) or '-1') if tonumber(ARGV[1]) > v then redis.call('SET', KEYS[1], ARGV[1]) end redis.call('PEXPIRE', KEYS[1], ARGV[2], 'GT') if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 1",
          { keys: [prefix + key], arguments: [String(value), String(Math.max(1, Math.ceil(ttlMs)))] },
        );
      }),
    read: (key) =>
      guarded(async () => {
        const value = await client.get(prefix + key);
        return value === null ? undefined : Number(value);
      }),
    close: () => closeRedisClient(client),
  };
}
