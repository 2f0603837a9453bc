import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/server.js';
import { postGraphQL } from '../helpers/gateway.js';
import { startSupergraphGateway, type SupergraphGateway } from '../helpers/supergraphGateway.js';

/**
 * Two behaviours of the federation gateway audit (graphql-hive/federation-gateway-audit) that the
 * executor alone gets wrong, on the audit's own subgraphs (plain Apollo subgraphs), composed here:
 *  - partial-union-complex: below a path more than one subgraph can resolve, a union member only some of
 *    them have comes back with its fields null, never fetched from the subgraph that has it;
 *  - non-resolvable-interface-object: a field no subgraph can resolve fails the operation whole.
 */
const link = (imports: string) => `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: [${imports}])`;
const COMMON = { __typename: 'Common', label: 'common label' };
const ONLY_A = { __typename: 'OnlyA', a: 'only a' };
const ONLY_B = { __typename: 'OnlyB', b: 'only b' };
const CONTAINER = { id: 'container-1' };

const SUBGRAPHS = {
  a: {
    sdl: `${link('"@key", "@shareable"')}
      type Query { rootA: Container shared: Container @shareable }
      type Container @key(fields: "id") { id: ID! wrapper: Wrapper @shareable }
      type Wrapper @shareable { actions: [Action!]! @shareable }
      union Action = Common | OnlyA
      type Common @shareable { label: String }
      type OnlyA { a: String }`,
    resolvers: {
      Query: { rootA: () => ({ ...CONTAINER, actions: [COMMON, ONLY_A] }), shared: () => ({ ...CONTAINER, actions: [COMMON] }) },
      Container: {
        __resolveReference: () => ({ ...CONTAINER, actions: [COMMON, ONLY_A] }),
        wrapper: (parent: { actions?: unknown[] }) => ({ actions: parent.actions ?? [COMMON, ONLY_A] }),
      },
      Action: { __resolveType: (value: { __typename: string }) => value.__typename },
    },
  },
  b: {
    sdl: `${link('"@key", "@shareable", "@interfaceObject"')}
      type Query { rootB: Container shared: Container @shareable }
      type Container @key(fields: "id") { id: ID! wrapper: Wrapper @shareable bWrapper: Wrapper }
      type Wrapper @shareable { actions: [Action!]! @shareable }
      union Action = Common | OnlyB
      type Common @shareable { label: String }
      type OnlyB { b: String }`,
    resolvers: {
      Query: { rootB: () => ({ ...CONTAINER, actions: [COMMON, ONLY_B] }), shared: () => ({ ...CONTAINER, actions: [COMMON] }) },
      Container: {
        __resolveReference: () => ({ ...CONTAINER, actions: [COMMON, ONLY_B] }),
        wrapper: (parent: { actions?: unknown[] }) => ({ actions: parent.actions ?? [COMMON, ONLY_B] }),
        bWrapper: () => ({ actions: [COMMON, ONLY_B] }),
      },
      Action: { __resolveType: (value: { __typename: string }) => value.__typename },
    },
  },
  // The audit's non-resolvable-interface-object: no subgraph can resolve `Node.field` for `Query.nodeC`'s Node.
  c: {
    sdl: `${link('"@key", "@interfaceObject"')}
      interface Node @key(fields: "id") { id: ID! }
      type Product @key(fields: "id", resolvable: false) @interfaceObject { id: ID! }
      type Query { nodeC: Node product: Product! }`,
    resolvers: {
      Query: { nodeC: () => ({ __typename: 'Node', id: 'n1' }), product: () => ({ __typename: 'Product', id: 'p1' }) },
      Node: { __resolveReference: () => ({ __typename: 'Node', id: 'n1' }) },
    },
  },
  d: {
    sdl: `${link('"@key", "@interfaceObject"')}
      type Node @key(fields: "id", resolvable: false) @interfaceObject { id: ID! field: String }
      interface Product @key(fields: "id") { id: ID! }
      type Bread implements Product @key(fields: "id") { id: ID! name: String! }
      type Query { nodeD: Node }`,
    resolvers: {
      Query: { nodeD: () => ({ __typename: 'Node', id: 'n1' }) },
      Node: { field: () => 'foo' },
      Product: { __resolveReference: (key: { id: string }) => ({ __typename: 'Bread', id: key.id, name: 'Bread' }) },
      Bread: { __resolveReference: (key: { id: string }) => ({ id: key.id, name: 'Bread' }) },
    },
  },
} as const;

let gateway: Gateway;
let running: SupergraphGateway;
const warnings: string[] = [];

beforeAll(async () => {
  running = await startSupergraphGateway(SUBGRAPHS, { warn: (message) => void warnings.push(message) });
  ({ gateway } = running);
});
afterAll(() => running.close());

const ACTIONS = '{ actions { __typename ... on Common { label } ... on OnlyA { a } ... on OnlyB { b } } }';

describe('partial unions', () => {
  it('answers null for the fields of a member that not every subgraph able to resolve the path has', async () => {
    const { body } = await postGraphQL(gateway.url, `{ rootA { wrapper ${ACTIONS} } }`);
    expect(body).toEqual({
      data: {
        rootA: {
          wrapper: {
            actions: [
              { __typename: 'Common', label: 'common label' },
              { __typename: 'OnlyA', a: null },
            ],
          },
        },
      },
    });
  });

  it('fetches a member of the one subgraph that resolves the path', async () => {
    const { body } = await postGraphQL(gateway.url, `{ rootA { bWrapper ${ACTIONS} } }`);
    expect(body).toEqual({
      data: {
        rootA: {
          bWrapper: {
            actions: [
              { __typename: 'Common', label: 'common label' },
              { __typename: 'OnlyB', b: 'only b' },
            ],
          },
        },
      },
    });
  });
  it('reshapes a narrowed union the caller selected without __typename', async () => {
    const { body } = await postGraphQL(gateway.url, '{ shared { wrapper { actions { ... on Common { label } ... on OnlyA { a } } } } }');
    expect(body).toEqual({ data: { shared: { wrapper: { actions: [{ label: 'common label' }] } } } });
  });
});

describe('an operation the supergraph offers no way to resolve', () => {
  it('answers data null with a stable code, not partial data', async () => {
    const { status, body } = await postGraphQL(gateway.url, '{ nodeC { field } shared { id } }');
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    expect(body.errors).toMatchObject([{ extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
    expect(warnings.join('\n')).toContain('cannot be planned');
  });

  it('answers what it can resolve of the same types', async () => {
    const { body } = await postGraphQL(gateway.url, '{ nodeD { id field } shared { id } }');
    expect(body).toEqual({ data: { nodeD: { id: 'n1', field: 'foo' }, shared: { id: 'container-1' } } });
  });
});
