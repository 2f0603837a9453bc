import { buildSchema, parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { narrowUnions, readUnionReach } from '../../src/federation/unionReach.js';

// Only the join directives matter to readUnionReach: the SDL is parsed, never built.
const SUPERGRAPH = parse(`
  type Query @join__type(graph: A) @join__type(graph: B) {
    rootA: Container @join__field(graph: A)
    rootB: Container @join__field(graph: B)
    note: Note @join__field(graph: A)
  }
  type Container @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {
    id: ID!
    wrapper: Wrapper
    bWrapper: Wrapper @join__field(graph: B)
  }
  type Note @join__type(graph: A) { wrapper: Wrapper }
  type Wrapper @join__type(graph: A) @join__type(graph: B) { actions: [Action!]! }
  union Action @join__type(graph: A) @join__type(graph: B)
    @join__unionMember(graph: A, member: "Common") @join__unionMember(graph: B, member: "Common")
    @join__unionMember(graph: A, member: "OnlyA") @join__unionMember(graph: B, member: "OnlyB")
    = Common | OnlyA | OnlyB
  type Common @join__type(graph: A) @join__type(graph: B) { label: String }
  type OnlyA @join__type(graph: A) { a: String }
  type OnlyB @join__type(graph: B) { b: String }
`);
const SCHEMA = buildSchema(`
  type Query { rootA: Container rootB: Container note: Note }
  type Container { id: ID! wrapper: Wrapper bWrapper: Wrapper }
  type Note { wrapper: Wrapper }
  type Wrapper { actions: [Action!]! }
  union Action = Common | OnlyA | OnlyB
  type Common { label: String }
  type OnlyA { a: String }
  type OnlyB { b: String }
`);
const reach = readUnionReach(SUPERGRAPH)!;
const ACTIONS = '{ actions { __typename ... on Common { label } ... on OnlyA { a } ... on OnlyB { b } } }';
const narrow = (query: string) => {
  const { document, narrowed } = narrowUnions(SCHEMA, reach, parse(query));
  return { query: print(document).replace(/\s+/g, ' '), narrowed };
};

describe('readUnionReach', () => {
  it('finds nothing to narrow in a supergraph whose unions have the same members everywhere', () => {
    expect(
      readUnionReach(parse('union U @join__type(graph: A) @join__unionMember(graph: A, member: "X") = X type X @join__type(graph: A) { x: Int }')),
    ).toBeUndefined();
  });
});

describe('narrowUnions', () => {
  it('keeps only the members every subgraph has below a path an entity lets the planner take to either', () => {
    expect(narrow(`{ rootA { wrapper ${ACTIONS} } }`)).toEqual({
      query: '{ rootA { wrapper { actions { __typename ... on Common { label } } } } }',
      narrowed: true,
    });
  });

  it('keeps the members of the only subgraph that resolves the path', () => {
    expect(narrow(`{ rootA { bWrapper ${ACTIONS} } }`)).toEqual({
      query: '{ rootA { bWrapper { actions { __typename ... on Common { label } ... on OnlyB { b } } } } }',
      narrowed: true,
    });
  });

  it('stays in the subgraph of a value type: its members are kept', () => {
    expect(narrow(`{ note { wrapper ${ACTIONS} } }`)).toEqual({
      query: '{ note { wrapper { actions { __typename ... on Common { label } ... on OnlyA { a } } } } }',
      narrowed: true,
    });
  });

  it('leaves an operation without a partial union as it is', () => {
    const document = parse('{ rootA { id } }');
    expect(narrowUnions(SCHEMA, reach, document)).toEqual({ document, narrowed: false });
  });
});
