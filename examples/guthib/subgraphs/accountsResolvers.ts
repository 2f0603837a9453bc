import type { GutHibContext } from '../context.js';
import { globalId } from '../globalId.js';
import type { UserRecord } from '../records.js';
import { resolvers } from '../resolvers.js';
import { keyOf, shared } from './shared.js';

/** What accounts knows of a repository: its key. Every other field comes from the repositories subgraph. */
interface RepositoryStub {
  readonly __typename: 'Repository';
  readonly key: string;
}

/**
 * The accounts subgraph's resolvers: the single-server example's, so that ownership is decided by the
 * same code (cards only through `paymentMethodsOf(viewer)`, email and cards readable by their user
 * only) and `node(id:)` asks the guarded `Node` about the id's type before loading anything.
 *
 * `node(id: "Repository:…")` loads the repository from the shared source to answer `null` for one that
 * does not exist, as the single server does; the planner then fetches its fields from repositories.
 */
export const accountsResolvers = {
  Node: shared('Node', resolvers.Node, ['__resolveType']),
  Query: shared('Query', resolvers.Query, ['node', 'viewer']),
  Mutation: shared('Mutation', resolvers.Mutation, ['updateEmail']),
  User: {
    __resolveReference: async (reference: { id?: unknown }, { loaders }: GutHibContext): Promise<UserRecord | null> => {
      const login = keyOf(reference, 'User');
      return login === undefined ? null : ((await loaders.user.load(login)) ?? null);
    },
    ...shared('User', resolvers.User, ['id', 'email', 'paymentMethods']),
  },
  PaymentMethod: shared('PaymentMethod', resolvers.PaymentMethod, ['id']),
  Repository: {
    __resolveReference: (reference: { id?: unknown }): RepositoryStub | null => {
      const key = keyOf(reference, 'Repository');
      return key === undefined ? null : { __typename: 'Repository', key };
    },
    id: (repository: RepositoryStub) => globalId('Repository', repository.key),
  },
};
