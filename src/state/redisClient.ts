import { createClient } from '@keyv/redis';

/** What closing needs of a node-redis client. */
interface ClosableClient {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  quit(): Promise<unknown>;
  destroy(): void;
}

/**
 * A Redis client that never makes a request wait for Redis: without the offline queue a command fails
 * at once while Redis is away (the caller fails closed), and reconnection goes on in the background,
 * backing off to 2 s. Connecting starts here and is never awaited, so a gateway whose Redis is down
 * at start-up still starts, and recovers when Redis comes.
 */
export function createRedisClient(url: string, options: { name: string; warn: (message: string) => void }) {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000) },
  });
  // Reported once per outage, never thrown out of the event emitter.
  let reported = false;
  client.on('error', (error: Error) => {
    if (!reported) options.warn(`redis (${options.name}): ${error.message}; retrying in the background`);
    reported = true;
  });
  client.on('ready', () => {
    if (reported) options.warn(`redis (${options.name}): connected again`);
    reported = false;
  });
  client.connect().catch(() => undefined);
  return client;
}

/**
 * Closes a client within `timeoutMs`: QUIT when Redis answers, otherwise (Redis away, or QUIT
 * unanswered) the socket is destroyed. Never rejects, never waits for a Redis that does not come.
 */
export async function closeRedisClient(client: ClosableClient, timeoutMs = 1_000): Promise<void> {
  const destroy = (): void => {
    try {
      if (client.isOpen) client.destroy();
    } catch {
      // Already closed.
    }
  };
  if (!client.isReady) return destroy();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([
    client.quit().then(
      () => undefined,
      () => undefined,
    ),
    late,
  ]);
  clearTimeout(timer);
  destroy();
}
