import DataLoader from 'dataloader';
import type { PaymentMethodRecord, RepositoryRecord, UserRecord } from './records.js';
import type { GutHibSource } from './source.js';

/**
 * The source as resolvers may call it directly: everything but the payment methods, which only
 * `paymentMethodsOf` reads, so that no resolver can reach a card without its owner check.
 */
export type SourceWithoutCards = Omit<GutHibSource, 'paymentMethodsByKey' | 'paymentMethodsByOwner'>;

/**
 * One viewer's payment methods. Ownership is decided here, where a card is loaded, so every path to a
 * card (`node(id:)`, `User.paymentMethods`, any future field) gets the same answer: a card that is not
 * the viewer's loads as `undefined`, exactly like a card that does not exist. Step-up is necessary,
 * never sufficient.
 */
export interface OwnPaymentMethods {
  /** The viewer's card with this key, or `undefined` when there is none or it is someone else's. */
  readonly byKey: DataLoader<string, PaymentMethodRecord | undefined>;
  /** Every card of the viewer. */
  all(): Promise<PaymentMethodRecord[]>;
}

/**
 * Per-request loaders: every key asked for in one tick of the event loop becomes one batch call
 * to the source, and each key is fetched at most once per request.
 */
export interface GutHibLoaders {
  readonly user: DataLoader<string, UserRecord | undefined>;
  readonly repository: DataLoader<string, RepositoryRecord | undefined>;
  readonly repositoriesByOwner: DataLoader<string, RepositoryRecord[]>;
  /** The cards `viewer` (a token's `sub`) owns; none for an anonymous caller (`undefined`). */
  paymentMethodsOf(viewer: string | undefined): OwnPaymentMethods;
  readonly source: SourceWithoutCards;
}

export function createLoaders(source: GutHibSource): GutHibLoaders {
  const cards = new Map<string | undefined, OwnPaymentMethods>();
  return {
    user: new DataLoader((logins) => source.usersByLogin(logins)),
    repository: new DataLoader((keys) => source.repositoriesByKey(keys)),
    repositoriesByOwner: new DataLoader((logins) => source.repositoriesByOwner(logins)),
    paymentMethodsOf(viewer) {
      let own = cards.get(viewer);
      if (own === undefined) cards.set(viewer, (own = ownPaymentMethods(source, viewer)));
      return own;
    },
    source,
  };
}

function ownPaymentMethods(source: GutHibSource, viewer: string | undefined): OwnPaymentMethods {
  // Filter what the source returns rather than trust the query: a row is served only to its owner.
  const byKey = new DataLoader<string, PaymentMethodRecord | undefined>(async (keys) =>
    viewer === undefined ? keys.map(() => undefined) : (await source.paymentMethodsByKey(keys)).map((method) => ownedBy(viewer, method)),
  );
  let all: Promise<PaymentMethodRecord[]> | undefined;
  // A method, not a named arrow: built for every request, it then needs no `name` set at run time.
  return {
    byKey,
    all() {
      return (all ??=
        viewer === undefined
          ? Promise.resolve([])
          : source.paymentMethodsByOwner([viewer]).then(([methods = []]) => {
              const mine = methods.filter((method) => ownedBy(viewer, method) !== undefined);
              for (const method of mine) byKey.prime(method.key, method);
              return mine;
            }));
    },
  };
}

/** The card if `viewer` owns it, else `undefined`: ownership is decided here, for every path to a card. */
function ownedBy(viewer: string | undefined, method: PaymentMethodRecord | undefined): PaymentMethodRecord | undefined {
  return viewer !== undefined && method?.ownerLogin === viewer ? method : undefined;
}
