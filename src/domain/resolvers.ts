import { EmailAddressResolver } from 'graphql-scalars';
import { gatewayError } from '../graphql/errors.js';
import type { GutHibContext } from './context.js';
import { globalId, parseGlobalId, type NodeType } from './globalId.js';
import type { PaymentMethodRecord, RepositoryRecord, UserRecord } from './records.js';
import type { Resolvers } from './resolvers.generated.js';

const MAX_PAGE = 100;

/**
 * The example graph. Step-up is the schema's business (the directives); these resolvers add what
 * step-up never replaces: ownership. A strong token for bob still cannot read alice's email.
 */
export const resolvers: Resolvers = {
  Node: {
    __resolveType: (node) => node.__typename,
  },

  Query: {
    node: (_, { id }, { loaders }) => loadNode(loaders, id),
    repository: async (_, { owner, name }, { loaders }) =>
      (await loaders.repositoriesByOwner.load(owner)).find((repository) => repository.name === name) ?? null,
    repositories: (_, { first }, { loaders }) => {
      const count = first ?? 20;
      if (count < 0 || count > MAX_PAGE) {
        throw gatewayError('BAD_USER_INPUT', `"first" must be between 0 and ${MAX_PAGE}`, { extensions: { argument: 'first' } });
      }
      return loaders.source.listRepositories(count);
    },
    viewer: async (_, __, { viewer, loaders }) => (viewer === undefined ? null : ((await loaders.user.load(viewer)) ?? null)),
  },

  User: {
    id: (user) => globalId('User', user.login),
    email: (user, _, context) => ownOnly(user, context, 'email') && user.email,
    repositories: (user, _, { loaders }) => loaders.repositoriesByOwner.load(user.login),
    paymentMethods: (user, _, context) => ownOnly(user, context, 'paymentMethods') && context.loaders.paymentMethodsByOwner.load(user.login),
  },

  Repository: {
    id: (repository) => globalId('Repository', repository.key),
    owner: async (repository, _, { loaders }) => {
      const owner = await loaders.user.load(repository.ownerLogin);
      if (owner === undefined) throw new Error(`repository ${repository.key} has no owner`);
      return owner;
    },
  },

  PaymentMethod: {
    id: (method) => globalId('PaymentMethod', method.key),
  },

  Mutation: {
    starRepository: async (_, { id }, context) => {
      const viewer = await viewerOf(context);
      const repository = await repositoryOf(context, id, 'id');
      const starred = await context.loaders.source.starRepository(viewer.login, repository.key);
      return refreshed(context, starred);
    },
    updateEmail: async (_, { email }, context) => {
      const viewer = await viewerOf(context);
      let address: string;
      try {
        address = EmailAddressResolver.parseValue(email) as string;
      } catch {
        throw gatewayError('BAD_USER_INPUT', '"email" must be an email address', { extensions: { argument: 'email' } });
      }
      const updated = await context.loaders.source.updateEmail(viewer.login, address);
      context.loaders.user.clear(updated.login).prime(updated.login, updated);
      return updated;
    },
    transferRepositoryOwnership: async (_, { repositoryId, newOwner }, context) => {
      const viewer = await viewerOf(context);
      const repository = await repositoryOf(context, repositoryId, 'repositoryId');
      if (repository.ownerLogin !== viewer.login) {
        throw gatewayError('FORBIDDEN', `Only ${repository.ownerLogin} may transfer ${repository.ownerLogin}/${repository.name}`);
      }
      if ((await context.loaders.user.load(newOwner)) === undefined) {
        throw gatewayError('NOT_FOUND', `There is no user ${newOwner}`, { extensions: { argument: 'newOwner' } });
      }
      if (newOwner === repository.ownerLogin) {
        throw gatewayError('BAD_USER_INPUT', `${newOwner} already owns ${repository.name}`, { extensions: { argument: 'newOwner' } });
      }
      const clash = (await context.loaders.repositoriesByOwner.load(newOwner)).some((other) => other.name === repository.name);
      if (clash) {
        throw gatewayError('BAD_USER_INPUT', `${newOwner} already has a repository named ${repository.name}`, {
          extensions: { argument: 'newOwner' },
        });
      }
      const moved = await context.loaders.source.transferRepository(repository.key, newOwner);
      return refreshed(context, moved);
    },
  },
};

async function loadNode(
  loaders: GutHibContext['loaders'],
  id: string,
): Promise<UserRecord | RepositoryRecord | PaymentMethodRecord | null> {
  const parsed = parseGlobalId(id);
  if (parsed === undefined) return null;
  const loaded = await LOAD_BY_TYPE[parsed.type](loaders, parsed.key);
  return loaded ?? null;
}

const LOAD_BY_TYPE: Record<NodeType, (loaders: GutHibContext['loaders'], key: string) => Promise<UserRecord | RepositoryRecord | PaymentMethodRecord | undefined>> = {
  User: (loaders, key) => loaders.user.load(key),
  Repository: (loaders, key) => loaders.repository.load(key),
  PaymentMethod: (loaders, key) => loaders.paymentMethod.load(key),
};

/** Fields only the user themself may read: step-up is necessary, never sufficient. */
function ownOnly(user: UserRecord, context: GutHibContext, field: string): true {
  if (context.viewer !== user.login) {
    throw gatewayError('FORBIDDEN', `Only ${user.login} may read ${field}`);
  }
  return true;
}

async function viewerOf(context: GutHibContext): Promise<UserRecord> {
  const viewer = context.viewer === undefined ? undefined : await context.loaders.user.load(context.viewer);
  if (viewer === undefined) throw gatewayError('FORBIDDEN', 'The access token names no GutHib user');
  return viewer;
}

async function repositoryOf(context: GutHibContext, id: string, argument: string): Promise<RepositoryRecord> {
  const parsed = parseGlobalId(id);
  if (parsed?.type !== 'Repository') {
    throw gatewayError('BAD_USER_INPUT', `"${argument}" must be a repository ID such as Repository:1`, { extensions: { argument } });
  }
  const repository = await context.loaders.repository.load(parsed.key);
  if (repository === undefined) throw gatewayError('NOT_FOUND', `There is no repository ${id}`, { extensions: { argument } });
  return repository;
}

/** After a write, the request's loaders must not serve the old row. */
function refreshed(context: GutHibContext, repository: RepositoryRecord): RepositoryRecord {
  context.loaders.repository.clear(repository.key).prime(repository.key, repository);
  context.loaders.repositoriesByOwner.clearAll();
  return repository;
}
