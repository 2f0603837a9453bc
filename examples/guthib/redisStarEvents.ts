import { createClient } from '@keyv/redis';
import type { RepositoryRecord, StarEventRecord } from './records.js';
import type { GutHibSource } from './source.js';

export interface RedisStarEventsOptions {
  /** `redis://…` or `rediss://…`: the Redis every replica of the repositories subgraph shares. */
  readonly url: string;
  /** Where an outage is reported (once per outage), and a lost event. Default `console.warn`. */
  readonly warn?: (message: string) => void;
  /** The channel of an owner's stars is this followed by the owner's login. Default `guthib:stars:`. */
  readonly channelPrefix?: string;
}

export interface RedisStarEvents {
  /** The source, whose stars are published to Redis and whose `starsOf` listens there. */
  readonly source: GutHibSource;
  close(): Promise<void>;
}

/**
 * The example's star events across replicas, over Redis pub/sub: each star is published on its owner's
 * channel (`guthib:stars:alice`), and `starsOf` listens on that channel, so a subscription held by one
 * replica of the repositories subgraph hears the stars given through any other. Everything else is the
 * wrapped source's.
 *
 * Pub/sub delivers at most once: a star given while Redis is away is still counted, but its event is lost
 * (and reported); listening resumes by itself when Redis is back (node-redis subscribes again on reconnect).
 * One Redis subscription per owner with listeners in this process, dropped with its last listener.
 */
export function withRedisStarEvents(source: GutHibSource, options: RedisStarEventsOptions): RedisStarEvents {
  const warn = options.warn ?? ((message: string) => console.warn(message));
  const prefix = options.channelPrefix ?? 'guthib:stars:';
  const reconnectStrategy = (retries: number) => Math.min(100 * 2 ** retries, 2_000);
  // Publishing never waits for Redis (no offline queue): the star is answered, its event reported lost.
  const publisher = createClient({ url: options.url, disableOfflineQueue: true, socket: { connectTimeout: 2_000, reconnectStrategy } });
  // Subscribing is queued while Redis is away, and made again after each reconnection.
  const subscriber = createClient({ url: options.url, socket: { connectTimeout: 2_000, reconnectStrategy } });
  let reported = false;
  for (const client of [publisher, subscriber]) {
    client.on('error', (error: Error) => {
      if (!reported) warn(`redis (star events): ${error.message}; retrying in the background`);
      reported = true;
    });
    client.on('ready', () => {
      if (reported) warn('redis (star events): connected again');
      reported = false;
    });
    client.connect().catch(() => undefined);
  }

  const listeners = new Map<string, Set<(event: StarEventRecord) => void>>();
  const deliver = (owner: string) => (message: string) => {
    const event = starEventOf(message);
    if (event === undefined || event.repository.ownerLogin !== owner) return warn(`redis (star events): ignored a malformed event on ${prefix}${owner}`);
    for (const listener of [...(listeners.get(owner) ?? [])]) listener(event);
  };

  return {
    source: {
      ...source,
      async starRepository(login, key) {
        const starred = await source.starRepository(login, key);
        const event: StarEventRecord = { repository: starred, byLogin: login };
        await publisher.publish(`${prefix}${starred.ownerLogin}`, JSON.stringify(event)).catch((error: Error) => {
          warn(`redis (star events): the star of ${login} on ${starred.ownerLogin}/${starred.name} was not published: ${error.message}`);
        });
        return starred;
      },
      starsOf(owner, listener) {
        let own = listeners.get(owner);
        if (own === undefined) {
          listeners.set(owner, (own = new Set()));
          subscriber
            .subscribe(`${prefix}${owner}`, deliver(owner))
            .catch((error: Error) => warn(`redis (star events): cannot listen to ${owner}'s stars: ${error.message}`));
        }
        own.add(listener);
        return () => {
          own.delete(listener);
          if (own.size > 0 || listeners.get(owner) !== own) return;
          listeners.delete(owner);
          subscriber.unsubscribe(`${prefix}${owner}`).catch(() => undefined);
        };
      },
    },
    async close() {
      listeners.clear();
      await Promise.all([publisher, subscriber].map((client) => (client.isReady ? client.quit().catch(() => client.destroy()) : client.destroy())));
    },
  };
}

/** A star event as published: a repository record and who starred it; undefined for anything else. */
function starEventOf(message: string): StarEventRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  const event = value as { repository?: Partial<RepositoryRecord>; byLogin?: unknown };
  const repository = event?.repository;
  const ok =
    typeof event?.byLogin === 'string' &&
    typeof repository === 'object' &&
    repository !== null &&
    repository.__typename === 'Repository' &&
    typeof repository.key === 'string' &&
    typeof repository.name === 'string' &&
    typeof repository.ownerLogin === 'string' &&
    typeof repository.stars === 'number' &&
    (repository.description === null || typeof repository.description === 'string');
  return ok ? (event as StarEventRecord) : undefined;
}
