import { KeyvAdapter } from '@apollo/utils.keyvadapter';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import { closeRedisClient, createRedisClient } from '../state/redisClient.js';

export interface RedisCache {
  readonly cache: KeyValueCache<string>;
  close(): Promise<void>;
}

/**
 * A Redis-backed Apollo cache (Keyv + @keyv/redis), so that every replica sees the same automatic
 * persisted queries. Connection errors are reported once, never thrown out of an event emitter: a lost
 * Redis makes APQ lookups miss at once (the client resends its query); it neither hangs nor crashes
 * the gateway, and the cache works again when Redis is back.
 */
export function createRedisCache(url: string, options: { namespace: string; warn: (message: string) => void }): RedisCache {
  const client = createRedisClient(url, { name: options.namespace, warn: options.warn });
  const store = new KeyvRedis(client, { throwOnConnectError: false, throwOnErrors: false });
  const keyv = new Keyv<string>({ store, namespace: options.namespace, useKeyPrefix: false });
  // The client reports its own outages; Keyv re-emits each failed command, which says nothing more.
  keyv.on('error', () => undefined);
  return {
    cache: new KeyvAdapter(keyv as never) as KeyValueCache<string>,
    close: () => closeRedisClient(client),
  };
}
