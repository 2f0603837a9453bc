import type { PaymentMethodRecord, RepositoryRecord, StarEventRecord, UserRecord } from './records.js';
import type { GutHibSource } from './source.js';

export interface GutHibSeed {
  readonly users: readonly UserRecord[];
  readonly repositories: readonly RepositoryRecord[];
  readonly paymentMethods: readonly PaymentMethodRecord[];
}

/** The data `npm start` serves: alice and bob, three repositories, alice's Visa. */
export const GUTHIB_SEED: GutHibSeed = {
  users: [
    { __typename: 'User', login: 'alice', name: 'Alice Liddell', email: 'alice@guthib.example' },
    { __typename: 'User', login: 'bob', name: 'Bob Stone', email: 'bob@guthib.example' },
  ],
  repositories: [
    { __typename: 'Repository', key: '1', name: 'gut', ownerLogin: 'alice', description: 'A version control system for feelings', stars: 42 },
    { __typename: 'Repository', key: '2', name: 'website', ownerLogin: 'alice', description: "Alice's home page", stars: 3 },
    { __typename: 'Repository', key: '3', name: 'dotfiles', ownerLogin: 'bob', description: null, stars: 7 },
  ],
  paymentMethods: [{ __typename: 'PaymentMethod', key: '1', ownerLogin: 'alice', brand: 'Visa', last4: '4242' }],
};

/**
 * A larger graph for benchmarks: the seed's users plus carol, dave and erin, and `repositories` generated
 * repositories spread over those five owners (the seed's own three are left out).
 */
export function generatedSeed(repositories: number): GutHibSeed {
  const more = ['carol', 'dave', 'erin'].map((login): UserRecord => ({
    __typename: 'User',
    login,
    name: login[0]!.toUpperCase() + login.slice(1),
    email: `${login}@guthib.example`,
  }));
  const users = [...GUTHIB_SEED.users, ...more];
  return {
    users,
    repositories: Array.from({ length: repositories }, (_, i): RepositoryRecord => ({
      __typename: 'Repository',
      key: String(i + 1),
      name: `project-${i + 1}`,
      ownerLogin: users[i % users.length]!.login,
      description: i % 3 === 0 ? null : `Project number ${i + 1}`,
      stars: (i * 37) % 101,
    })),
    paymentMethods: GUTHIB_SEED.paymentMethods,
  };
}

/** The example graph in memory, copied from a seed so that each instance starts the same. */
export function createInMemorySource(seed: GutHibSeed = GUTHIB_SEED): GutHibSource {
  const users = new Map(seed.users.map((user) => [user.login, { ...user }]));
  const repositories = new Map(seed.repositories.map((repository) => [repository.key, { ...repository }]));
  const paymentMethods = new Map(seed.paymentMethods.map((method) => [method.key, { ...method }]));
  const stars = new Set<string>();
  const listeners = new Map<string, Set<(event: StarEventRecord) => void>>();
  const publish = (event: StarEventRecord) => {
    for (const listener of [...(listeners.get(event.repository.ownerLogin) ?? [])]) listener(event);
  };

  const mustGet = <V>(map: Map<string, V>, key: string, what: string): V => {
    const value = map.get(key);
    if (value === undefined) throw new RangeError(`no ${what} ${key}`);
    return value;
  };

  return {
    async usersByLogin(logins) {
      return logins.map((login) => users.get(login));
    },
    async repositoriesByKey(keys) {
      return keys.map((key) => repositories.get(key));
    },
    async repositoriesByOwner(logins) {
      const all = [...repositories.values()];
      return logins.map((login) => all.filter((repository) => repository.ownerLogin === login));
    },
    async paymentMethodsByKey(keys) {
      return keys.map((key) => paymentMethods.get(key));
    },
    async paymentMethodsByOwner(logins) {
      const all = [...paymentMethods.values()];
      return logins.map((login) => all.filter((method) => method.ownerLogin === login));
    },
    async listRepositories(first) {
      return [...repositories.values()].slice(0, first);
    },
    async starRepository(login, key) {
      const repository = mustGet(repositories, key, 'repository');
      const star = `${login}\u0000${key}`;
      let starred = repository;
      if (!stars.has(star)) {
        stars.add(star);
        starred = { ...repository, stars: repository.stars + 1 };
        repositories.set(key, starred);
      }
      publish({ repository: starred, byLogin: login });
      return starred;
    },
    starsOf(ownerLogin, listener) {
      let own = listeners.get(ownerLogin);
      if (own === undefined) listeners.set(ownerLogin, (own = new Set()));
      own.add(listener);
      return () => {
        own.delete(listener);
        if (own.size === 0 && listeners.get(ownerLogin) === own) listeners.delete(ownerLogin);
      };
    },
    async updateEmail(login, email) {
      const updated = { ...mustGet(users, login, 'user'), email };
      users.set(login, updated);
      return updated;
    },
    async transferRepository(key, newOwner) {
      mustGet(users, newOwner, 'user');
      const moved = { ...mustGet(repositories, key, 'repository'), ownerLogin: newOwner };
      repositories.set(key, moved);
      return moved;
    },
  };
}
