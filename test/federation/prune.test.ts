import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLError, parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { withStepUpTypeDefs } from '../../src/graphql/loadSchema.js';
import { buildPolicyTable, type PolicyEntry } from '../../src/graphql/policyTable.js';
import { buildShapeSchema, inlineOperation, protectedEntries, prune, reshape } from '../../src/federation/prune.js';
import { createLadder } from '../../src/stepup/ladder.js';

/**
 * The enforcement core without a gateway: inlining, pruning and reshaping are pure functions of a schema,
 * its policy table, a document and the caller's decisions, so a change to them fails here in milliseconds.
 */
const schema = makeExecutableSchema({
  typeDefs: withStepUpTypeDefs(`
    type Query { viewer: User, node(id: ID!): Node, repositories: [Repository!]! }
    interface Node { id: ID! }
    type User implements Node { id: ID!, login: String!, email: String @isAuthenticated(acrValue: MEDIUM), cards: [Card!] @isAuthenticated(acrValue: HIGH) }
    type Card implements Node @isAuthenticated(acrValue: HIGH) { id: ID!, last4: String! }
    type Repository implements Node { id: ID!, name: String!, owner: User!, secret: String! @isAuthenticated(acrValue: HIGH) }
  `),
});
const table = buildPolicyTable(schema, createLadder());
const refuseAll = () => false;
const allowAll = () => true;
const only =
  (...coordinates: string[]) =>
  (entry: PolicyEntry) =>
    coordinates.includes(entry.coordinate);
const inline = (query: string, operationName?: string) => inlineOperation(schema, table, parse(query), operationName);
const compact = (document: Parameters<typeof print>[0]) => print(document).replace(/\s+/g, ' ');

describe('inlineOperation', () => {
  it('inlines a named fragment spread, keeping its directives', () => {
    const document = inline('query { viewer { ...U @include(if: true) } } fragment U on User { login }');
    expect(compact(document)).toBe('{ viewer { ... on User @include(if: true) { login } } }');
  });

  it('splits a field selected on an interface into one fragment per possible type when a type protects it', () => {
    const document = inline('{ node(id: "1") { id } }');
    expect(compact(document)).toBe('{ node(id: "1") { ... on User { id } ... on Card { id } ... on Repository { id } } }');
  });

  it('refuses a document whose operation cannot be chosen', () => {
    expect(() => inline('query A { viewer { id } } query B { viewer { id } }')).toThrow('The operation to execute cannot be found');
  });
});

describe('protectedEntries', () => {
  it('lists each protected coordinate an operation may select once, aliases and fragments included', () => {
    const entries = protectedEntries(schema, table, inline('{ viewer { a: email b: email cards { last4 } } }'));
    expect(entries.map((entry) => entry.coordinate)).toEqual(['User.email', 'User.cards', 'Card.last4']);
  });
});

describe('prune', () => {
  it('returns the document itself when every decision is met', () => {
    const document = inline('{ viewer { login email } }');
    const pruned = prune(schema, table, document, allowAll);
    expect(pruned.document).toBe(document);
    expect([...pruned.passed.keys()]).toEqual(['User.email']);
    expect(pruned.refusals.size).toBe(0);
  });

  it('removes a refused field under its alias and records it at its response path', () => {
    const pruned = prune(schema, table, inline('{ me: viewer { login mail: email } }'), refuseAll);
    expect(compact(pruned.document)).toBe('{ me: viewer { login } }');
    expect([...pruned.refusals.keys()]).toEqual(['User@me.mail']);
  });

  it('removes a refused field with everything under it', () => {
    const pruned = prune(schema, table, inline('{ viewer { login cards { id last4 } } }'), only('Card.last4'));
    expect(compact(pruned.document)).toBe('{ viewer { login } }');
    expect([...pruned.refusals.values()].map((entry) => entry.coordinate)).toEqual(['User.cards']);
  });

  it('keeps an emptied selection valid with __typename', () => {
    const pruned = prune(schema, table, inline('{ viewer { email } }'), refuseAll);
    expect(compact(pruned.document)).toBe('{ viewer { __typename } }');
  });

  it('refuses per concrete type behind an interface, keeping the types that do not protect the field', () => {
    const pruned = prune(schema, table, inline('{ node(id: "1") { id } }'), refuseAll);
    expect(compact(pruned.document)).toBe('{ node(id: "1") { ... on User { id } ... on Repository { id } __typename } }');
    expect([...pruned.refusals.keys()]).toEqual(['Card@node.id']);
  });
});

describe('reshape', () => {
  const shapeSchema = buildShapeSchema(schema);
  const refuse = (entry: PolicyEntry) => new GraphQLError(`${entry.coordinate} is refused`, { extensions: { code: 'STEP_UP_REQUIRED' } });

  it('answers null with the refusal at each refused path, in the shape the caller wrote', async () => {
    const document = inline('{ me: viewer { login mail: email } }');
    const { refusals } = prune(schema, table, document, refuseAll);
    const result = await reshape({
      shapeSchema,
      document,
      operationName: undefined,
      variableValues: undefined,
      upstream: { data: { me: { login: 'alice' } } },
      refusals,
      refuse,
    });
    expect(result.data).toEqual({ me: { login: 'alice', mail: null } });
    expect(result.errors?.map((error) => [error.message, error.path])).toEqual([['User.email is refused', ['me', 'mail']]]);
  });

  it('nulls the nearest nullable parent of a refused non-null field, up to the data itself', async () => {
    const document = inline('{ repositories { name secret } }');
    const { refusals } = prune(schema, table, document, refuseAll);
    const upstream = { data: { repositories: [{ name: 'gut' }, { name: 'website' }] } };
    const result = await reshape({ shapeSchema, document, operationName: undefined, variableValues: undefined, upstream, refusals, refuse });
    expect(result.data).toBeNull();
    expect(result.errors?.map((error) => error.path)).toEqual([['repositories', 0, 'secret']]);
  });

  it('passes the upstream answer through untouched when nothing was refused', async () => {
    const upstream = { data: { viewer: { login: 'alice' } } };
    const result = await reshape({
      shapeSchema,
      document: inline('{ viewer { login } }'),
      operationName: undefined,
      variableValues: undefined,
      upstream,
      refusals: new Map(),
      refuse,
    });
    expect(result).toBe(upstream);
  });
});
