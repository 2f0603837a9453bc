import { makeExecutableSchema } from '@graphql-tools/schema';
import { describe, expect, it } from 'vitest';
import { createEgressCheck, protectedSelections, UNREADABLE } from '../../src/federation/egress.js';
import { withStepUpTypeDefs } from '../../src/graphql/loadSchema.js';
import { buildPolicyTable, type PolicyEntry } from '../../src/graphql/policyTable.js';
import { createLadder } from '../../src/stepup/ladder.js';

/** The egress check alone: what a subgraph request selects or carries, decided without the planner. */
const schema = makeExecutableSchema({
  typeDefs: withStepUpTypeDefs(`
    type Query { viewer: User }
    type User { id: ID!, login: String, vaultPin: String @isAuthenticated(acrValue: HIGH), owner: User }
  `),
});
const table = buildPolicyTable(schema, createLadder());
const ENTITIES = 'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { pinHint: login } } }';
const refuseAll = () => false;
const coordinates = (entries: readonly PolicyEntry[]) => entries.map((entry) => entry.coordinate);

describe('protectedSelections', () => {
  it('finds a protected field inside an _entities fragment', () => {
    expect(coordinates(protectedSelections(schema, table, 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { vaultPin } } }'))).toEqual([
      'User.vaultPin',
    ]);
  });

  it('finds a protected field under an alias and a named fragment', () => {
    expect(coordinates(protectedSelections(schema, table, '{ viewer { owner { ...F } } } fragment F on User { pin: vaultPin }'))).toEqual(['User.vaultPin']);
  });

  it('finds nothing in a document of unprotected fields', () => {
    expect(protectedSelections(schema, table, '{ viewer { id login } }')).toEqual([]);
  });

  it('fails closed on a document it cannot read', () => {
    expect(protectedSelections(schema, table, '{ viewer {')).toEqual([UNREADABLE]);
  });
});

describe('the egress check', () => {
  const check = createEgressCheck(schema, table);

  it('stops a request that selects a protected field the caller may not have', () => {
    expect(check({ query: '{ viewer { vaultPin } }' }, refuseAll)?.coordinate).toBe('User.vaultPin');
  });

  it('lets the same request through for a caller who may have it', () => {
    expect(check({ query: '{ viewer { vaultPin } }' }, () => true)).toBeUndefined();
  });

  it('stops a request whose representations carry a protected value, as @requires would hand it on', () => {
    const request = { query: ENTITIES, variables: { representations: [{ __typename: 'User', id: 'alice', vaultPin: 'PIN-alice' }] } };
    expect(check(request, refuseAll)?.coordinate).toBe('User.vaultPin');
  });

  it('stops a protected value nested in a representation', () => {
    const request = { query: ENTITIES, variables: { representations: [{ __typename: 'User', id: 'a', owner: { vaultPin: 'PIN' } }] } };
    expect(check(request, refuseAll)?.coordinate).toBe('User.vaultPin');
  });

  it('lets representations of keys only through', () => {
    expect(check({ query: ENTITIES, variables: { representations: [{ __typename: 'User', id: 'alice' }] } }, refuseAll)).toBeUndefined();
  });
});
