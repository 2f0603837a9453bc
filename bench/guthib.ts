/**
 * The GutHib example graph as /work/main serves it (schema/*.graphql, src/domain/*), copied so that
 * every competitor serves the same schema, data and resolvers. Only the auth mechanism differs:
 *  - BASE_SDL: the product SDL with `@isAuthenticated(...)`, its directive and the ACRValue scalar removed
 *    (used by apollo-plain and apollo-shield, where shield rules carry the policy);
 *  - YOGA_SDL: the same with generic-auth's `@authenticated`-style directive carrying the policy.
 */
import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';

// ---------------------------------------------------------------------------------------------- SDL

const NODE_AND_REPO = /* GraphQL */ `
  "An object with a global ID, fetchable with \`Query.node\`."
  interface Node {
    id: ID!
  }

  type Repository implements Node {
    id: ID!
    name: String!
    owner: User!
    description: String
    stars: Int!
  }
`;

/** Product schema (schema/query, mutation, user, repository .graphql) with no auth directives. */
export const BASE_SDL = /* GraphQL */ `
  type Query {
    "Any object by its global ID. Reaching a protected type this way is as protected as reaching it directly."
    node(id: ID!): Node
    repository(owner: String!, name: String!): Repository
    "Public repositories, at most 100."
    repositories(first: Int = 20): [Repository!]!
    "The user the access token was issued to."
    viewer: User
  }

  type Mutation {
    "Stars a repository for the viewer; starring twice counts once."
    starRepository(id: ID!): Repository!
    "Changes the viewer's email address."
    updateEmail(email: String!): User!
    "Gives a repository to another user. Only its owner may."
    transferRepositoryOwnership(repositoryId: ID!, newOwner: String!): Repository!
  }
  ${NODE_AND_REPO}
  type User implements Node {
    id: ID!
    login: String!
    name: String
    "Readable by the user only."
    email: String
    repositories: [Repository!]!
    "Readable by the user only."
    paymentMethods: [PaymentMethod!]
  }

  type PaymentMethod implements Node {
    id: ID!
    brand: String!
    last4: String!
  }
`;

/**
 * The same schema for GraphQL Yoga + @envelop/generic-auth (mode protect-granular). generic-auth's
 * stock directive is `@authenticated` with no arguments; we declare our own arguments and read them
 * in validateUser (fieldAuthArgs / typeAuthArgs). generic-auth applies a type's directive to the
 * fields OF that type only, not to fields that RETURN it, so `User.paymentMethods` carries the HIGH
 * requirement explicitly (the product derives it from `PaymentMethod @isAuthenticated(acrValue: HIGH)`).
 */
export const YOGA_SDL = /* GraphQL */ `
  "Levels of the ACR ladder, weakest first (the product uses a custom ACRValue scalar instead)."
  enum AcrLevel {
    LOW
    MEDIUM
    HIGH
  }

  directive @authenticated(acr: AcrLevel, maxAge: Int) on FIELD_DEFINITION | OBJECT | INTERFACE

  type Query {
    "Any object by its global ID. Reaching a protected type this way is as protected as reaching it directly."
    node(id: ID!): Node
    repository(owner: String!, name: String!): Repository
    "Public repositories, at most 100."
    repositories(first: Int = 20): [Repository!]!
    "The user the access token was issued to."
    viewer: User @authenticated
  }

  type Mutation {
    "Stars a repository for the viewer; starring twice counts once."
    starRepository(id: ID!): Repository! @authenticated
    "Changes the viewer's email address."
    updateEmail(email: String!): User! @authenticated(acr: HIGH, maxAge: 60)
    "Gives a repository to another user. Only its owner may."
    transferRepositoryOwnership(repositoryId: ID!, newOwner: String!): Repository! @authenticated(acr: HIGH)
  }
  ${NODE_AND_REPO}
  type User implements Node {
    id: ID!
    login: String!
    name: String
    "Readable by the user only."
    email: String @authenticated(acr: MEDIUM)
    repositories: [Repository!]!
    "Readable by the user only."
    paymentMethods: [PaymentMethod!] @authenticated(acr: HIGH)
  }

  type PaymentMethod implements Node @authenticated(acr: HIGH) {
    id: ID!
    brand: String!
    last4: String!
  }
`;

// --------------------------------------------------------------------------------------- the ladder

export interface Level {
  readonly name: 'LOW' | 'MEDIUM' | 'HIGH';
  readonly acr: string;
  readonly maxAge?: number;
  readonly rank: number;
}

/** Product default (src/stepup/ladder.ts DEFAULT_LEVELS). */
export const LADDER: readonly Level[] = [
  { name: 'LOW', acr: 'urn:mace:incommon:iap:bronze', rank: 0 },
  { name: 'MEDIUM', acr: 'urn:mace:incommon:iap:silver', maxAge: 43_200, rank: 1 },
  { name: 'HIGH', acr: 'urn:mace:incommon:iap:gold', maxAge: 300, rank: 2 },
];
const BY_NAME = new Map(LADDER.map((l) => [l.name as string, l]));
const BY_ACR = new Map(LADDER.map((l) => [l.acr, l]));

/** A requirement as the product normalises it: a level and the max age that applies. */
export interface Requirement {
  readonly level?: string;
  readonly maxAge?: number;
}

export function requirementOf(level?: string, maxAge?: number): Requirement {
  if (level === undefined) return maxAge === undefined ? {} : { maxAge };
  const l = BY_NAME.get(level);
  if (l === undefined) throw new TypeError(`unknown ACR level ${level}`);
  const applying = maxAge ?? l.maxAge;
  return applying === undefined ? { level } : { level, maxAge: applying };
}

/** src/stepup/requirement.ts `satisfies`: acr reaches the level, auth_time no older than maxAge. */
export function satisfies(principal: Principal, requirement: Requirement, now: number): boolean {
  if (requirement.level !== undefined) {
    const reached = principal.acr === undefined ? undefined : BY_ACR.get(principal.acr);
    if (reached === undefined || reached.rank < BY_NAME.get(requirement.level)!.rank) return false;
  }
  if (requirement.maxAge === undefined) return true;
  if (principal.authTime === undefined) return false;
  return now - principal.authTime <= requirement.maxAge;
}

/** The product's refusal: UNAUTHENTICATED without a principal, STEP_UP_REQUIRED when too weak/old. */
export function refusal(principal: Principal | null | undefined, requirement: Requirement, now: number): GraphQLError | undefined {
  if (principal == null) {
    return new GraphQLError('Authentication is required', { extensions: { code: 'UNAUTHENTICATED' } });
  }
  if (satisfies(principal, requirement, now)) return undefined;
  const levelText = requirement.level ?? 'any level';
  const ageText = requirement.maxAge === undefined ? '' : ` within the last ${requirement.maxAge} seconds`;
  const from = requirement.level === undefined ? 0 : BY_NAME.get(requirement.level)!.rank;
  return new GraphQLError(`Authentication at level ${levelText}${ageText} is required`, {
    extensions: {
      code: 'STEP_UP_REQUIRED',
      requiredAcr: requirement.level,
      acrValues: LADDER.slice(from)
        .map((l) => l.acr)
        .join(' '),
      ...(requirement.maxAge === undefined ? {} : { maxAge: requirement.maxAge }),
    },
  });
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

// ------------------------------------------------------------------------------------ the principal

/** What a verified access token says about the caller (src/auth/principal.ts). */
export interface Principal {
  readonly subject: string;
  readonly acr?: string | undefined;
  readonly authTime?: number | undefined;
  readonly clientId?: string | undefined;
  readonly expiresAt: number;
  readonly claims: Readonly<Record<string, unknown>>;
}

// -------------------------------------------------------------------------- data (src/domain/*)

interface UserRecord {
  readonly __typename: 'User';
  readonly login: string;
  readonly name: string | null;
  readonly email: string | null;
}
interface RepositoryRecord {
  readonly __typename: 'Repository';
  readonly key: string;
  readonly name: string;
  readonly ownerLogin: string;
  readonly description: string | null;
  readonly stars: number;
}
interface PaymentMethodRecord {
  readonly __typename: 'PaymentMethod';
  readonly key: string;
  readonly ownerLogin: string;
  readonly brand: string;
  readonly last4: string;
}

const SEED = {
  users: [
    { __typename: 'User', login: 'alice', name: 'Alice Liddell', email: 'alice@guthib.example' },
    { __typename: 'User', login: 'bob', name: 'Bob Stone', email: 'bob@guthib.example' },
  ] as UserRecord[],
  repositories: [
    { __typename: 'Repository', key: '1', name: 'gut', ownerLogin: 'alice', description: 'A version control system for feelings', stars: 42 },
    { __typename: 'Repository', key: '2', name: 'website', ownerLogin: 'alice', description: "Alice's home page", stars: 3 },
    { __typename: 'Repository', key: '3', name: 'dotfiles', ownerLogin: 'bob', description: null, stars: 7 },
  ] as RepositoryRecord[],
  paymentMethods: [{ __typename: 'PaymentMethod', key: '1', ownerLogin: 'alice', brand: 'Visa', last4: '4242' }] as PaymentMethodRecord[],
};

export function createInMemorySource() {
  const users = new Map(SEED.users.map((u) => [u.login, { ...u }]));
  const repositories = new Map(SEED.repositories.map((r) => [r.key, { ...r }]));
  const paymentMethods = new Map(SEED.paymentMethods.map((m) => [m.key, { ...m }]));
  const stars = new Set<string>();
  const mustGet = <V>(map: Map<string, V>, key: string, what: string): V => {
    const v = map.get(key);
    if (v === undefined) throw new RangeError(`no ${what} ${key}`);
    return v;
  };
  return {
    async usersByLogin(logins: readonly string[]) {
      return logins.map((l) => users.get(l));
    },
    async repositoriesByKey(keys: readonly string[]) {
      return keys.map((k) => repositories.get(k));
    },
    async repositoriesByOwner(logins: readonly string[]) {
      const all = [...repositories.values()];
      return logins.map((l) => all.filter((r) => r.ownerLogin === l));
    },
    async paymentMethodsByKey(keys: readonly string[]) {
      return keys.map((k) => paymentMethods.get(k));
    },
    async paymentMethodsByOwner(logins: readonly string[]) {
      const all = [...paymentMethods.values()];
      return logins.map((l) => all.filter((m) => m.ownerLogin === l));
    },
    async listRepositories(first: number) {
      return [...repositories.values()].slice(0, first);
    },
    async starRepository(login: string, key: string) {
      const repository = mustGet(repositories, key, 'repository');
      const star = `${login}\u0000${key}`;
      if (stars.has(star)) return repository;
      stars.add(star);
      const starred = { ...repository, stars: repository.stars + 1 };
      repositories.set(key, starred);
      return starred;
    },
    async updateEmail(login: string, email: string) {
      const updated = { ...mustGet(users, login, 'user'), email };
      users.set(login, updated);
      return updated;
    },
    async transferRepository(key: string, newOwner: string) {
      mustGet(users, newOwner, 'user');
      const moved = { ...mustGet(repositories, key, 'repository'), ownerLogin: newOwner };
      repositories.set(key, moved);
      return moved;
    },
  };
}
export type GutHibSource = ReturnType<typeof createInMemorySource>;

export function createLoaders(source: GutHibSource) {
  return {
    user: new DataLoader((logins: readonly string[]) => source.usersByLogin(logins)),
    repository: new DataLoader((keys: readonly string[]) => source.repositoriesByKey(keys)),
    repositoriesByOwner: new DataLoader((logins: readonly string[]) => source.repositoriesByOwner(logins)),
    paymentMethod: new DataLoader((keys: readonly string[]) => source.paymentMethodsByKey(keys)),
    paymentMethodsByOwner: new DataLoader((logins: readonly string[]) => source.paymentMethodsByOwner(logins)),
    source,
  };
}
export type GutHibLoaders = ReturnType<typeof createLoaders>;

/** Every server's context carries these two; `principal` is null for an anonymous caller. */
export interface GutHibContext {
  principal?: Principal | null | undefined;
  loaders: GutHibLoaders;
}

// ------------------------------------------------------------------------- resolvers (src/domain)

const gatewayError = (code: string, message: string, extensions: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code, ...extensions } });

const globalId = (type: string, key: string) => `${type}:${key}`;
function parseGlobalId(id: string): { type: 'User' | 'Repository' | 'PaymentMethod'; key: string } | undefined {
  const colon = id.indexOf(':');
  if (colon <= 0 || colon === id.length - 1) return undefined;
  const type = id.slice(0, colon);
  return type === 'User' || type === 'Repository' || type === 'PaymentMethod' ? { type, key: id.slice(colon + 1) } : undefined;
}

const viewerLogin = (ctx: GutHibContext): string | undefined => ctx.principal?.subject;

function ownOnly(user: UserRecord, ctx: GutHibContext, field: string): true {
  if (viewerLogin(ctx) !== user.login) throw gatewayError('FORBIDDEN', `Only ${user.login} may read ${field}`);
  return true;
}

async function viewerOf(ctx: GutHibContext): Promise<UserRecord> {
  const login = viewerLogin(ctx);
  const viewer = login === undefined ? undefined : await ctx.loaders.user.load(login);
  if (viewer === undefined) throw gatewayError('FORBIDDEN', 'The access token names no GutHib user');
  return viewer;
}

async function repositoryOf(ctx: GutHibContext, id: string, argument: string): Promise<RepositoryRecord> {
  const parsed = parseGlobalId(id);
  if (parsed?.type !== 'Repository') {
    throw gatewayError('BAD_USER_INPUT', `"${argument}" must be a repository ID such as Repository:1`, { argument });
  }
  const repository = await ctx.loaders.repository.load(parsed.key);
  if (repository === undefined) throw gatewayError('NOT_FOUND', `There is no repository ${id}`, { argument });
  return repository;
}

function refreshed(ctx: GutHibContext, repository: RepositoryRecord): RepositoryRecord {
  ctx.loaders.repository.clear(repository.key).prime(repository.key, repository);
  ctx.loaders.repositoriesByOwner.clearAll();
  return repository;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/; // the product uses graphql-scalars' EmailAddress parser

type Ctx = GutHibContext;
/* eslint-disable @typescript-eslint/no-explicit-any */
export const resolvers = {
  Node: { __resolveType: (node: { __typename: string }) => node.__typename },
  Query: {
    node: async (_: unknown, { id }: { id: string }, { loaders }: Ctx) => {
      const parsed = parseGlobalId(id);
      if (parsed === undefined) return null;
      const loader = parsed.type === 'User' ? loaders.user : parsed.type === 'Repository' ? loaders.repository : loaders.paymentMethod;
      return (await (loader as DataLoader<string, unknown>).load(parsed.key)) ?? null;
    },
    repository: async (_: unknown, { owner, name }: { owner: string; name: string }, { loaders }: Ctx) =>
      (await loaders.repositoriesByOwner.load(owner)).find((r) => r.name === name) ?? null,
    repositories: (_: unknown, { first }: { first?: number | null }, { loaders }: Ctx) => {
      const count = first ?? 20;
      if (count < 0 || count > 100) throw gatewayError('BAD_USER_INPUT', '"first" must be between 0 and 100', { argument: 'first' });
      return loaders.source.listRepositories(count);
    },
    viewer: async (_: unknown, __: unknown, ctx: Ctx) => {
      const login = viewerLogin(ctx);
      return login === undefined ? null : ((await ctx.loaders.user.load(login)) ?? null);
    },
  },
  User: {
    id: (user: UserRecord) => globalId('User', user.login),
    email: (user: UserRecord, _: unknown, ctx: Ctx) => ownOnly(user, ctx, 'email') && user.email,
    repositories: (user: UserRecord, _: unknown, { loaders }: Ctx) => loaders.repositoriesByOwner.load(user.login),
    paymentMethods: (user: UserRecord, _: unknown, ctx: Ctx) => ownOnly(user, ctx, 'paymentMethods') && ctx.loaders.paymentMethodsByOwner.load(user.login),
  },
  Repository: {
    id: (r: RepositoryRecord) => globalId('Repository', r.key),
    owner: async (r: RepositoryRecord, _: unknown, { loaders }: Ctx) => {
      const owner = await loaders.user.load(r.ownerLogin);
      if (owner === undefined) throw new Error(`repository ${r.key} has no owner`);
      return owner;
    },
  },
  PaymentMethod: { id: (m: PaymentMethodRecord) => globalId('PaymentMethod', m.key) },
  Mutation: {
    starRepository: async (_: unknown, { id }: { id: string }, ctx: Ctx) => {
      const viewer = await viewerOf(ctx);
      const repository = await repositoryOf(ctx, id, 'id');
      return refreshed(ctx, await ctx.loaders.source.starRepository(viewer.login, repository.key));
    },
    updateEmail: async (_: unknown, { email }: { email: string }, ctx: Ctx) => {
      const viewer = await viewerOf(ctx);
      if (!EMAIL.test(email)) throw gatewayError('BAD_USER_INPUT', '"email" must be an email address', { argument: 'email' });
      const updated = await ctx.loaders.source.updateEmail(viewer.login, email);
      ctx.loaders.user.clear(updated.login).prime(updated.login, updated);
      return updated;
    },
    transferRepositoryOwnership: async (_: unknown, { repositoryId, newOwner }: { repositoryId: string; newOwner: string }, ctx: Ctx) => {
      const viewer = await viewerOf(ctx);
      const repository = await repositoryOf(ctx, repositoryId, 'repositoryId');
      if (repository.ownerLogin !== viewer.login) {
        throw gatewayError('FORBIDDEN', `Only ${repository.ownerLogin} may transfer ${repository.ownerLogin}/${repository.name}`);
      }
      if ((await ctx.loaders.user.load(newOwner)) === undefined) throw gatewayError('NOT_FOUND', `There is no user ${newOwner}`, { argument: 'newOwner' });
      if (newOwner === repository.ownerLogin) throw gatewayError('BAD_USER_INPUT', `${newOwner} already owns ${repository.name}`, { argument: 'newOwner' });
      const clash = (await ctx.loaders.repositoriesByOwner.load(newOwner)).some((o) => o.name === repository.name);
      if (clash) throw gatewayError('BAD_USER_INPUT', `${newOwner} already has a repository named ${repository.name}`, { argument: 'newOwner' });
      return refreshed(ctx, await ctx.loaders.source.transferRepository(repository.key, newOwner));
    },
  },
} as any;

/** argv[2] or env PORT; default 0 (a free port). Each server prints `READY <url>` once listening. */
export function portFromArgs(): number {
  const raw = process.argv[2] ?? process.env['PORT'] ?? '0';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`bad port ${raw}`);
  return port;
}
export const HOST = process.env['HOST'] ?? '127.0.0.1';

/**
 * Cross-check for the benchmark's /proc/<pid>/stat reading: on SIGUSR2 the server prints
 * `CPU <user µs> <system µs>` from process.cpuUsage() (whole process, all threads).
 */
export function reportCpuOnSignal(): void {
  const profile = process.env['BENCH_PROFILE_FILE'] === undefined ? undefined : profileBetweenSignals(process.env['BENCH_PROFILE_FILE']);
  process.on('SIGUSR2', () => {
    const { user, system } = process.cpuUsage();
    // The profiler's toggle comes after the reading: the CPU it takes to start and stop is not counted.
    if (profile === undefined) return void process.stdout.write(`CPU ${user} ${system}\n`);
    void profile().then(() => process.stdout.write(`CPU ${user} ${system}\n`));
  });
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/**
 * With BENCH_PROFILE_FILE (profile.ts sets it): the V8 CPU profiler runs between the first and the second
 * SIGUSR2, i.e. exactly over the measured run (start-up and warm-up left out), sampling every
 * BENCH_PROFILE_INTERVAL µs (default 100), and the profile is written to that file as a .cpuprofile.
 */
function profileBetweenSignals(file: string): () => Promise<void> {
  let session: import('node:inspector/promises').Session | undefined;
  return async () => {
    const { Session } = await import('node:inspector/promises');
    if (session === undefined) {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: Number(process.env['BENCH_PROFILE_INTERVAL'] ?? 100) });
      await session.post('Profiler.start');
      return;
    }
    const { profile } = await session.post('Profiler.stop');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    session = undefined;
  };
}
