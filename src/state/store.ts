/**
 * State that must be the same on every replica: sessions ended by a back-channel logout, users
 * logged out, logout tokens already used, and one-time step-ups already consumed. In memory for one
 * process; in Redis when `REDIS_URL` is set.
 *
 * Every method may throw `StateUnavailable`: a feature that needs the store then fails closed
 * (`SERVICE_UNAVAILABLE`), it never passes silently.
 */
export interface SharedState {
  /**
   * Atomically claims `key` for `ttlMs` milliseconds. True for exactly one caller, however many ask at
   * once and on however many replicas; false while the claim lasts.
   */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Whether `key` is claimed. */
  isClaimed(key: string): Promise<boolean>;
  /** Remembers the largest `value` set for `key` (a logout time), for `ttlMs`. */
  raise(key: string, value: number, ttlMs: number): Promise<void>;
  /** The value remembered for `key`, if any. */
  read(key: string): Promise<number | undefined>;
  close(): Promise<void>;
}

export class StateUnavailable extends Error {
  override readonly name = 'StateUnavailable';
}

/** One process's state: a map with expiries, swept as it is read. */
export function createMemoryState(now: () => number = Date.now): SharedState {
  const entries = new Map<string, { value: number; expiresAt: number }>();
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry !== undefined && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  let writes = 0;
  const sweep = () => {
    // Expired entries nobody reads again are dropped every so often, so the map stays bounded by what is live.
    if (++writes % 1_000 !== 0) return;
    for (const key of entries.keys()) live(key);
  };
  return {
    async claim(key, ttlMs) {
      sweep();
      if (live(key) !== undefined) return false;
      entries.set(key, { value: 1, expiresAt: now() + ttlMs });
      return true;
    },
    async isClaimed(key) {
      return live(key) !== undefined;
    },
    async raise(key, value, ttlMs) {
      sweep();
      const current = live(key);
      entries.set(key, { value: Math.max(value, current?.value ?? value), expiresAt: Math.max(now() + ttlMs, current?.expiresAt ?? 0) });
    },
    async read(key) {
      return live(key)?.value;
    },
    async close() {
      entries.clear();
    },
  };
}
