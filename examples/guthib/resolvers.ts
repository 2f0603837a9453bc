import { isInterfaceType, type GraphQLResolveInfo } from 'graphql';
import { EmailAddressResolver } from 'graphql-scalars';
import { gatewayError } from 'step-up-gateway';
import type { GutHibContext } from './context.js';
import { eventsOf } from './events.js';
import { globalId, parseGlobalId, type NodeType } from './globalId.js';
import type { OwnPaymentMethods } from './loaders.js';
import type { PaymentMethodRecord, RepositoryRecord, StarEventRecord, UserRecord } from './records.js';
import type { Resolvers } from './resolvers.generated.js';

const MAX_PAGE = 100;

/**
 * The example graph. Step-up is the schema's business (the directives); these resolvers and the
 * loaders add what step-up never replaces: ownership. A strong token for bob still cannot read
 * alice's email, nor her card however he reaches it (the card loader only yields the viewer's own).
 */
export const resolvers: Resolvers = {
  Node: {
    __resolveType: (node) => node.__typename,
  },

  Query: {
    node: (_, { id }, context, info) => loadNode(context, info, id),
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
    paymentMethods: (user, _, context) => ownOnly(user, context, 'paymentMethods') && ownPaymentMethods(context).all(),
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

  Subscription: {
    // Stars given to the viewer's repositories from now on; the gateway checks the caller at subscribe and again per event.
    repositoryStarred: {
      subscribe: async (_, __, context) => {
        const viewer = await viewerOf(context);
        return eventsOf<{ repositoryStarred: StarEventRecord }>((push) =>
          context.loaders.source.starsOf(viewer.login, (event) => push({ repositoryStarred: event })),
        );
      },
    },
  },

  RepositoryStarred: {
    repository: (event) => event.repository,
    // Read per event, not through the subscription's loaders: they live as long as it does and would serve an old row.
    by: async (event, _, { loaders }) => {
      const [user] = await loaders.source.usersByLogin([event.byLogin]);
      if (user === undefined) throw new Error(`the star of repository ${event.repository.key} names no user`);
      return user;
    },
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

/**
 * `node(id:)` answers from the id's type first, the object second. The step-up guard sits on `Node`'s
 * type resolution in the served schema (src/graphql/guard.ts); asking it about the type the id names,
 * before anything is loaded, refuses a weak caller with the same challenge whether the object exists
 * or not. A caller who meets the requirement then gets the object or `null`, and a card that is not
 * theirs is `null` too: neither answer says whether someone else's object exists.
 */
async function loadNode(context: GutHibContext, info: GraphQLResolveInfo, id: string): Promise<UserRecord | RepositoryRecord | PaymentMethodRecord | null> {
  const parsed = parseGlobalId(id);
  if (parsed === undefined) return null;
  await checkTypeOf(parsed.type, context, info);
  const loaded = await LOAD_BY_TYPE[parsed.type](context, parsed.key);
  return loaded ?? null;
}

/** Throws what `Node`'s (guarded) type resolution throws for an object of this type; nothing is loaded. */
async function checkTypeOf(type: NodeType, context: GutHibContext, info: GraphQLResolveInfo): Promise<void> {
  const node = info.schema.getType('Node');
  // Fail closed: a schema whose Node cannot be checked serves nothing through node(id:).
  if (!isInterfaceType(node)) throw new TypeError('The served schema has no Node interface to check node(id:) against');
  await node.resolveType?.({ __typename: type }, context, info, node);
}

const LOAD_BY_TYPE: Record<NodeType, (context: GutHibContext, key: string) => Promise<UserRecord | RepositoryRecord | PaymentMethodRecord | undefined>> = {
  User: (context, key) => context.loaders.user.load(key),
  Repository: (context, key) => context.loaders.repository.load(key),
  PaymentMethod: (context, key) => ownPaymentMethods(context).byKey.load(key),
};

/** The only way resolvers reach a card: through the loader scoped to the request's own viewer. */
function ownPaymentMethods(context: GutHibContext): OwnPaymentMethods {
  return context.loaders.paymentMethodsOf(context.viewer);
}

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
