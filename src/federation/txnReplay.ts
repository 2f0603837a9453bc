/**
 * Where a subgraph remembers the transaction tokens it has accepted, so that each is accepted once.
 * `claim` is `SharedState.claim` (src/state/store.ts): true for exactly one caller while the claim lasts.
 * Pass the gateway's Redis-backed state (or your own) when a subgraph runs as several replicas; the
 * default remembers them in this process.
 */
export interface TransactionStore {
  claim(key: string, ttlMs: number): Promise<boolean>;
}

/** The in-memory store is full of transactions that have not expired yet: refuse rather than forget one. */
export class TransactionStoreFull extends Error {
  override readonly name = 'TransactionStoreFull';
}

/**
 * One process's memory of accepted transactions: at most `maxEntries`, each forgotten when its token could
 * no longer be accepted anyway (its `exp` plus the clock tolerance). Full of live entries, it refuses new
 * ones (`TransactionStoreFull`, answered 503) rather than forget one that could then be replayed.
 */
export function createMemoryTransactionStore(options: { maxEntries?: number; now?: () => number } = {}): TransactionStore {
  const maxEntries = options.maxEntries ?? 200_000;
  if (!(Number.isSafeInteger(maxEntries) && maxEntries > 0)) throw new TypeError('"maxEntries" must be a positive integer');
  const now = options.now ?? Date.now;
  // Insertion order is nearly expiry order (every token lives the same minute), so expired entries are
  // dropped from the front; a late one only waits for those before it.
  const entries = new Map<string, number>();
  const sweep = (at: number) => {
    for (const [key, expiresAt] of entries) {
      if (expiresAt > at) break;
      entries.delete(key);
    }
  };
  return {
    async claim(key, ttlMs) {
      const at = now();
      const known = entries.get(key);
      if (known !== undefined && known > at) return false;
      sweep(at);
      if (entries.size >= maxEntries) {
        for (const [other, expiresAt] of entries) if (expiresAt <= at) entries.delete(other);
        if (entries.size >= maxEntries) throw new TransactionStoreFull(`${maxEntries} transactions are live: refusing more until some expire`);
      }
      entries.delete(key);
      entries.set(key, at + ttlMs);
      return true;
    },
  };
}
