import DataLoader from 'dataloader';
import type { PaymentMethodRecord, RepositoryRecord, UserRecord } from './records.js';
import type { GutHibSource } from './source.js';

/**
 * Per-request loaders: every key asked for in one tick of the event loop becomes one batch call
 * to the source, and each key is fetched at most once per request.
 */
export interface GutHibLoaders {
  readonly user: DataLoader<string, UserRecord | undefined>;
  readonly repository: DataLoader<string, RepositoryRecord | undefined>;
  readonly repositoriesByOwner: DataLoader<string, RepositoryRecord[]>;
  readonly paymentMethod: DataLoader<string, PaymentMethodRecord | undefined>;
  readonly paymentMethodsByOwner: DataLoader<string, PaymentMethodRecord[]>;
  readonly source: GutHibSource;
}

export function createLoaders(source: GutHibSource): GutHibLoaders {
  return {
    user: new DataLoader((logins) => source.usersByLogin(logins)),
    repository: new DataLoader((keys) => source.repositoriesByKey(keys)),
    repositoriesByOwner: new DataLoader((logins) => source.repositoriesByOwner(logins)),
    paymentMethod: new DataLoader((keys) => source.paymentMethodsByKey(keys)),
    paymentMethodsByOwner: new DataLoader((logins) => source.paymentMethodsByOwner(logins)),
    source,
  };
}
