import { makeExecutableSchema } from '@graphql-tools/schema';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { withStepUpTypeDefs } from '../../src/graphql/loadSchema.js';
import { buildPolicyTable } from '../../src/graphql/policyTable.js';
import { planningNeeds } from '../../src/federation/queryPlanner.js';
import { protectedEntries } from '../../src/federation/prune.js';
import { createLadder } from '../../src/stepup/ladder.js';

/**
 * Which executor an operation needs is a pure function of the schema, its policy table and the operation:
 * the Rust planner's plan executor has no resolvers, so what only a resolver can do keeps the stitched one.
 */
const schema = makeExecutableSchema({
  typeDefs: withStepUpTypeDefs(`
    type Query { viewer: User, node(id: ID!): Node, search: [Result!]!, repositories: [Repository!]! }
    type Mutation {
      deleteRepository(name: String!): Boolean @isAuthenticated(acrValue: HIGH, once: true)
      transfer(name: String!, to: String!): Boolean @isAuthenticated(acrValue: HIGH, binds: ["name", "to"], approvalType: "repository_transfer")
      star(name: String!): Int @isAuthenticated(acrValue: LOW)
    }
    interface Node { id: ID! }
    union Result = User | Repository
    type User implements Node { id: ID!, login: String!, email: String @isAuthenticated(acrValue: MEDIUM), cards: [Card!] }
    type Card @isAuthenticated(acrValue: HIGH) { last4: String! }
    type Repository implements Node { id: ID!, name: String!, owner: User! }
  `),
});
const table = buildPolicyTable(schema, createLadder());
const needs = (query: string) => {
  const document = parse(query);
  return planningNeeds(schema, table, document, protectedEntries(schema, table, document));
};

describe('planningNeeds', () => {
  it('plans a query of object types with protected fields on the Rust planner', () => {
    expect(needs('{ viewer { login email } repositories { name owner { email } } }')).toEqual({ resolveTime: false, abstract: false });
  });

  it('plans a mutation whose step-up is neither once nor bound to its arguments on the Rust planner', () => {
    expect(needs('mutation { star(name: "gut") }')).toEqual({ resolveTime: false, abstract: false });
  });

  it('keeps a field claimed once on the stitched executor', () => {
    expect(needs('mutation { deleteRepository(name: "gut") }').resolveTime).toBe(true);
  });

  it('keeps a field bound to an approval on the stitched executor', () => {
    expect(needs('mutation { transfer(name: "gut", to: "bob") }').resolveTime).toBe(true);
  });

  it('plans an interface or union none of whose members is protected on the Rust planner, noting it is abstract', () => {
    expect(needs('{ node(id: "1") { id } }')).toEqual({ resolveTime: false, abstract: true });
    expect(needs('{ search { ... on Repository { name } } }')).toEqual({ resolveTime: false, abstract: true });
  });

  it('keeps an interface or union with a protected member on the stitched executor', () => {
    const protectedMember = makeExecutableSchema({
      typeDefs: withStepUpTypeDefs(`
        type Query { search: [Result!]! }
        union Result = Card | Repository
        type Card @isAuthenticated(acrValue: HIGH) { last4: String! }
        type Repository { name: String! }
      `),
    });
    const guarded = buildPolicyTable(protectedMember, createLadder());
    const document = parse('{ search { __typename } }');
    expect(planningNeeds(protectedMember, guarded, document, protectedEntries(protectedMember, guarded, document)).resolveTime).toBe(true);
  });

  it('keeps introspection on the stitched executor', () => {
    expect(needs('{ __schema { queryType { name } } }').resolveTime).toBe(true);
    expect(needs('{ __type(name: "User") { name } }').resolveTime).toBe(true);
  });

  it('keeps an operation that selects only __typename at the root on the stitched executor', () => {
    expect(needs('{ __typename }').resolveTime).toBe(true);
  });
});
