/**
 * The example graph's rows, as a data source returns them. Resolvers map them onto the schema;
 * `__typename` tells which object type a row is when it is reached through `Node`.
 */
export interface UserRecord {
  readonly __typename: 'User';
  readonly login: string;
  readonly name: string | null;
  readonly email: string | null;
}

export interface RepositoryRecord {
  readonly __typename: 'Repository';
  /** Numeric key, unique across owners; the global ID is `Repository:<key>`. */
  readonly key: string;
  readonly name: string;
  readonly ownerLogin: string;
  readonly description: string | null;
  readonly stars: number;
}

export interface PaymentMethodRecord {
  readonly __typename: 'PaymentMethod';
  readonly key: string;
  readonly ownerLogin: string;
  readonly brand: string;
  readonly last4: string;
}

/** A star given to a repository: the repository as it is after it, and who gave it. */
export interface StarEventRecord {
  readonly repository: RepositoryRecord;
  readonly byLogin: string;
}
