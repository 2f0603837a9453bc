/**
 * A least-recently-used map with a fixed number of entries, each with its own expiry.
 * Reading an expired entry deletes it; adding past the bound evicts the least recently used.
 */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();
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
    this.#entries.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` until `expiresAt` (same unit as `now` in `get`). */
  set(key: K, value: V, expiresAt: number): void {
    if (this.#maxEntries === 0) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value as K);
    }
    this.#entries.set(key, { value, expiresAt });
  }
}
