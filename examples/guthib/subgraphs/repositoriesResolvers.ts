import type { GutHibContext } from '../context.js';
import { globalId } from '../globalId.js';
import type { RepositoryRecord, StarEventRecord } from '../records.js';
import { resolvers } from '../resolvers.js';
import { keyOf, shared } from './shared.js';

/** What repositories knows of a user: the login. `login`, `name`, `email`… come from the accounts subgraph. */
interface UserStub {
  readonly __typename: 'User';
  readonly login: string;
}

/**
 * The repositories subgraph's resolvers: the single-server example's, so that starring and the
 * transfer checks (owner only, existing new owner, no name clash) are the same code.
 * `Repository.owner` answers a stub; the planner fetches the owner's fields from accounts.
 */
export const repositoriesResolvers = {
  Node: shared('Node', resolvers.Node, ['__resolveType']),
  Query: shared('Query', resolvers.Query, ['repository', 'repositories']),
  Mutation: shared('Mutation', resolvers.Mutation, ['starRepository', 'transferRepositoryOwnership']),
  Subscription: shared('Subscription', resolvers.Subscription, ['repositoryStarred']),
  RepositoryStarred: {
    ...shared('RepositoryStarred', resolvers.RepositoryStarred, ['repository']),
    by: (event: StarEventRecord): UserStub => ({ __typename: 'User', login: event.byLogin }),
  },
  Repository: {
    __resolveReference: async (reference: { id?: unknown }, { loaders }: GutHibContext): Promise<RepositoryRecord | null> => {
      const key = keyOf(reference, 'Repository');
      return key === undefined ? null : ((await loaders.repository.load(key)) ?? null);
    },
    ...shared('Repository', resolvers.Repository, ['id']),
    owner: (repository: RepositoryRecord): UserStub => ({ __typename: 'User', login: repository.ownerLogin }),
  },
  User: {
    __resolveReference: (reference: { id?: unknown }): UserStub | null => {
      const login = keyOf(reference, 'User');
      return login === undefined ? null : { __typename: 'User', login };
    },
    id: (user: UserStub) => globalId('User', user.login),
    ...shared('User', resolvers.User, ['repositories']),
  },
};
