import type { PaymentMethodRecord, RepositoryRecord, StarEventRecord, UserRecord } from './records.js';

/**
 * Where the example graph's data lives. Batch reads take many keys and answer in the same order
 * (DataLoader's contract); an implementation over an upstream HTTP API can replace the in-memory one
 * without touching a resolver.
 */
export interface GutHibSource {
  usersByLogin(logins: readonly string[]): Promise<ReadonlyArray<UserRecord | undefined>>;
  repositoriesByKey(keys: readonly string[]): Promise<ReadonlyArray<RepositoryRecord | undefined>>;
  repositoriesByOwner(logins: readonly string[]): Promise<ReadonlyArray<RepositoryRecord[]>>;
  paymentMethodsByKey(keys: readonly string[]): Promise<ReadonlyArray<PaymentMethodRecord | undefined>>;
  paymentMethodsByOwner(logins: readonly string[]): Promise<ReadonlyArray<PaymentMethodRecord[]>>;
  /** Repositories in a stable order, at most `first`. */
  listRepositories(first: number): Promise<RepositoryRecord[]>;

  /** Stars a repository for a user; starring twice counts once, but each star is an event for its owner. */
  starRepository(login: string, key: string): Promise<RepositoryRecord>;
  /** Calls `listener` with each star given to `ownerLogin`'s repositories from now on, until the returned function is called. */
  starsOf(ownerLogin: string, listener: (event: StarEventRecord) => void): () => void;
  updateEmail(login: string, email: string): Promise<UserRecord>;
  /** Moves a repository to another owner; the caller has checked that both exist and that it may. */
  transferRepository(key: string, newOwner: string): Promise<RepositoryRecord>;
}
