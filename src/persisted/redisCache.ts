import { KeyvAdapter } from '@apollo/utils.keyvadapter';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import KeyvRedis, { createClient } from '@keyv/redis';
import Keyv from 'keyv';

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
  // Without the offline queue a command fails at once while Redis is away, instead of waiting for it:
  // a request never hangs on the cache. Reconnection goes on in the background, backing off to 2 s.
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000) },
  });
  const store = new KeyvRedis(client, { throwOnConnectError: false, throwOnErrors: false });
  const keyv = new Keyv<string>({ store, namespace: options.namespace, useKeyPrefix: false });
  let reported = false;
  keyv.on('error', (error: Error) => {
    if (reported) return;
    reported = true;
    options.warn(`redis (${options.namespace}): ${error.message}`);
  });
  return {
    cache: new KeyvAdapter(keyv as never) as KeyValueCache<string>,
    close: async () => {
      // disconnect() waits for the server; with Redis away it would wait for ever.
      if (client.isReady) await keyv.disconnect().catch(() => client.destroy());
      else client.destroy();
    },
  };
}
