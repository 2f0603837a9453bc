/**
 * A map with a fixed number of entries, each with its own expiry. Reading an expired entry deletes it;
 * adding past the bound evicts an entry not read recently.
 *
 * Eviction is second-chance (CLOCK), an approximation of least-recently-used: a read only sets a bit,
 * instead of moving the entry to the back of the map (a `delete` and a `set`, with the key hashed twice)
 * on every hit, which is what a cache in front of every request would pay for exact LRU order.
 */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, Entry<V>>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    if (!(Number.isSafeInteger(maxEntries) && maxEntries >= 0)) {
      throw new TypeError('"maxEntries" must be a non-negative integer');
    }
    this.#maxEntries = maxEntries;
  }

  /** The value stored under `key` if it has not expired at `now`. */
  get(key: K, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    entry.used = true;
    return entry.value;
  }

  /** Stores `value` until `expiresAt` (same unit as `now` in `get`). */
  set(key: K, value: V, expiresAt: number): void {
    if (this.#maxEntries === 0) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) this.#evictOne();
    this.#entries.set(key, { value, expiresAt, used: false });
  }

  /**
   * Evicts the oldest entry not read since it was stored or last passed over; an entry read meanwhile
   * loses its bit and goes to the back. Ends within `size + 1` steps: every entry passed over is unmarked.
   */
  #evictOne(): void {
    for (const [key, entry] of this.#entries) {
      this.#entries.delete(key);
      if (!entry.used) return;
      entry.used = false;
      this.#entries.set(key, entry);
    }
  }
}

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
  /** Read since it was stored or last passed over by an eviction. */
  used: boolean;
}
