import { makeExecutableSchema } from '@graphql-tools/schema';
import { parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { stepUpTypeDefs } from '../../src/graphql/loadSchema.js';
import { requirementsOfOperation } from '../../src/graphql/operationPolicy.js';
import { buildPolicyTable } from '../../src/graphql/policyTable.js';
import { createLadder } from '../../src/stepup/ladder.js';

const ladder = createLadder();
const DIRECTIVES = stepUpTypeDefs();
const SDL = `
  type Query { feed: [Item!]! thing: Thing }
  type Mutation { act: Result! }
  interface Item { id: ID! }
  union Thing = Public | Secret
  union Result = Public | Secret
  type Public implements Item { id: ID! title: String }
  type Secret implements Item @isAuthenticated(acrValue: HIGH) { id: ID! code: String }
  type Mixed implements Item { id: ID! note: String @isAuthenticated(acrValue: MEDIUM) }
`;
const schema = makeExecutableSchema({ typeDefs: [DIRECTIVES, SDL] });
const table = buildPolicyTable(schema, ladder);

function analyse(source: string, variables: Record<string, unknown> = {}) {
  const document = parse(source);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  return requirementsOfOperation(schema, table, document, operation, variables).map(({ path, coordinate, requirement }) => ({
    path: path.join('.'),
    coordinate,
    level: requirement.level,
  }));
}

describe('requirementsOfOperation', () => {
  it('counts a field returning a union at the strictest member', () => {
    expect(analyse('mutation { act { __typename } }')).toEqual([{ path: 'act', coordinate: 'Result', level: 'HIGH' }]);
  });

  it('counts a field selected on an interface at the strictest implementation still possible', () => {
    expect(analyse('{ feed { id } }')).toEqual([
      { path: 'feed', coordinate: 'Item', level: 'HIGH' },
      { path: 'feed.id', coordinate: 'Secret.id', level: 'HIGH' },
    ]);
  });

  it('narrows the possible types with an inline fragment', () => {
    expect(analyse('{ feed { ... on Mixed { id note } } }')).toEqual([
      { path: 'feed', coordinate: 'Item', level: 'HIGH' },
      { path: 'feed.note', coordinate: 'Mixed.note', level: 'MEDIUM' },
    ]);
  });

  it('narrows the possible types with a named fragment', () => {
    expect(analyse('{ thing { ...P } } fragment P on Public { title }')).toEqual([{ path: 'thing', coordinate: 'Thing', level: 'HIGH' }]);
  });

  it('reports fields under their aliases', () => {
    expect(analyse('{ x: thing { ... on Secret { c: code } } }').map((r) => r.path)).toEqual(['x', 'x.c']);
  });

  it('drops a field under @skip(if: true) and keeps it under @skip(if: false)', () => {
    const source = 'query ($s: Boolean!) { thing @skip(if: $s) { __typename } }';
    expect([analyse(source, { s: true }).length, analyse(source, { s: false }).length]).toEqual([0, 1]);
  });

  it('drops a fragment under @include(if: false)', () => {
    expect(analyse('{ feed @include(if: false) { id } }')).toEqual([]);
  });

  it('stays finite on a fragment cycle that validation would reject', () => {
    expect(analyse('{ thing { ...A } } fragment A on Secret { code ...A }').map((r) => r.path)).toEqual(['thing', 'thing.code']);
  });

  it('ignores __typename and introspection fields', () => {
    expect(analyse('{ __typename __schema { queryType { name } } }')).toEqual([]);
  });
});
