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
  /** Whether the store answers right now (a Redis connection is up); absent: always, it lives in this process. */
  readonly available?: () => boolean;
  /**
   * The same reads without waiting, where the state lives in this process; absent where it does not
   * (Redis), whose answers must be awaited.
   */
  readonly local?: LocalReads;
}

/** Synchronous reads of an in-process `SharedState`. */
export interface LocalReads {
  isClaimed(key: string): boolean;
  read(key: string): number | undefined;
  /**
   * Changes with every write (a claim taken, a value raised, the state closed). Between two reads that see
   * the same version nothing was added: entries can only have expired.
   */
  readonly version: number;
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
  let version = 0;
  const local: LocalReads = {
    isClaimed: (key) => live(key) !== undefined,
    read: (key) => live(key)?.value,
    get version() {
      return version;
    },
  };
  return {
    async claim(key, ttlMs) {
      sweep();
      if (live(key) !== undefined) return false;
      version += 1;
      entries.set(key, { value: 1, expiresAt: now() + ttlMs });
      return true;
    },
    async isClaimed(key) {
      return local.isClaimed(key);
    },
    async raise(key, value, ttlMs) {
      sweep();
      const current = live(key);
      version += 1;
      entries.set(key, { value: Math.max(value, current?.value ?? value), expiresAt: Math.max(now() + ttlMs, current?.expiresAt ?? 0) });
    },
    async read(key) {
      return local.read(key);
    },
    async close() {
      version += 1;
      entries.clear();
    },
    local,
  };
}
