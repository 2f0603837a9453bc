import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stepUpSubgraphTypeDefs } from '../../src/federation/spec.js';
import type { Gateway } from '../../src/server.js';
import { GOLD, postGraphQL, T0 } from '../helpers/gateway.js';
import type { TestIssuer } from '../helpers/issuer.js';
import { startSupergraphGateway, type SupergraphGateway } from '../helpers/supergraphGateway.js';

/**
 * Federation's own semantics survive the step-up gateway: entity joins, @requires, @provides, entity
 * interfaces with @interfaceObject, @inaccessible, @override, @skip and @include, on three small
 * subgraphs (plain Apollo subgraphs: they check no identity) that record what they receive.
 */
const header = stepUpSubgraphTypeDefs(['@key', '@external', '@requires', '@provides', '@override', '@inaccessible', '@shareable', '@interfaceObject']);

const PRODUCTS = [
  { upc: '1', name: 'Table', price: 899, weight: 100, code: 'T-1' },
  { upc: '2', name: 'Couch', price: 1299, weight: 1000, code: 'C-2' },
];
const byUpc = (upc: string) => PRODUCTS.find((product) => product.upc === upc);

const SUBGRAPHS = {
  products: {
    sdl: `${header}
      type Query { topProducts: [Product!]! media: [Media!]! }
      type Product @key(fields: "upc") {
        upc: String!
        name: String
        price: Int
        weight: Int
        inStock: Boolean
        secretCost: Int @inaccessible
        internalCode: String @isAuthenticated(acrValue: HIGH)
      }
      interface Media @key(fields: "id") { id: ID! title: String }
      type Book implements Media @key(fields: "id") { id: ID! title: String pages: Int }`,
    resolvers: {
      Query: { topProducts: () => PRODUCTS, media: () => [{ __typename: 'Book', id: 'b1', title: 'Federation', pages: 120 }] },
      Product: {
        __resolveReference: (ref: { upc: string }) => byUpc(ref.upc),
        inStock: () => false,
        secretCost: () => 1,
        internalCode: (p: { code: string }) => p.code,
      },
      Media: { __resolveReference: (ref: { id: string }) => ({ __typename: 'Book', id: ref.id, title: 'Federation', pages: 120 }) },
      Book: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, title: 'Federation', pages: 120 }) },
    },
  },
  inventory: {
    sdl: `${header}
      type Product @key(fields: "upc") {
        upc: String!
        price: Int @external
        weight: Int @external
        shippingEstimate: Int @requires(fields: "price weight")
        inStock: Boolean @override(from: "products")
      }`,
    resolvers: {
      Product: {
        __resolveReference: (ref: { upc: string; price?: number; weight?: number }) => ref,
        shippingEstimate: (product: { price: number; weight: number }) => (product.price > 1000 ? 0 : product.weight / 2),
        inStock: (product: { upc: string }) => product.upc === '1',
      },
    },
  },
  reviews: {
    sdl: `${header}
      type Query { latestReviews: [Review!]! }
      type Review { body: String! product: Product! @provides(fields: "name") }
      type Product @key(fields: "upc") { upc: String! name: String @external reviews: [Review!]! }
      type Media @key(fields: "id") @interfaceObject { id: ID! reviewCount: Int }`,
    resolvers: {
      Query: { latestReviews: () => [{ body: 'Sturdy', product: { upc: '1', name: 'Table (from reviews)' } }] },
      Product: {
        __resolveReference: (ref: { upc: string }) => ref,
        reviews: (product: { upc: string }) => (product.upc === '1' ? [{ body: 'Sturdy', product }] : []),
      },
      Media: { __resolveReference: (ref: { id: string }) => ref, reviewCount: () => 7 },
    },
  },
} as const;

let issuer: TestIssuer;
let gateway: Gateway;
let running: SupergraphGateway;
const received: Array<{ subgraph: string; query: string }> = [];

beforeAll(async () => {
  running = await startSupergraphGateway(SUBGRAPHS, { onRequest: (subgraph, query) => void received.push({ subgraph, query }) });
  ({ gateway, issuer } = running);
});
afterAll(() => running.close());
beforeEach(() => {
  received.length = 0;
});

const ask = (query: string, token?: string) => postGraphQL(gateway.url, query, token === undefined ? {} : { token });

describe('federation semantics behind the step-up gateway', () => {
  it('joins an entity across subgraphs and computes a @requires field from another subgraph', async () => {
    const { body } = await ask('{ topProducts { name shippingEstimate reviews { body } } }');
    expect(body).toEqual({
      data: {
        topProducts: [
          { name: 'Table', shippingEstimate: 50, reviews: [{ body: 'Sturdy' }] },
          { name: 'Couch', shippingEstimate: 0, reviews: [] },
        ],
      },
    });
  });

  it('takes a @provides field from the subgraph that provides it, without a join', async () => {
    const { body } = await ask('{ latestReviews { product { name } } }');
    expect(body).toEqual({ data: { latestReviews: [{ product: { name: 'Table (from reviews)' } }] } });
    expect(received.map((entry) => entry.subgraph)).toEqual(['reviews']);
  });

  it('resolves an @override field from the subgraph that took it over', async () => {
    const { body } = await ask('{ topProducts { upc inStock } }');
    expect(body).toEqual({
      data: {
        topProducts: [
          { upc: '1', inStock: true },
          { upc: '2', inStock: false },
        ],
      },
    });
  });

  it('adds an @interfaceObject field to an entity interface', async () => {
    const { body } = await ask('{ media { id title reviewCount ... on Book { pages } } }');
    expect(body).toEqual({ data: { media: [{ id: 'b1', title: 'Federation', reviewCount: 7, pages: 120 }] } });
  });

  it('does not serve an @inaccessible field', async () => {
    const { status, body } = await ask('{ topProducts { secretCost } }');
    expect(status).toBe(400);
    expect(body.errors).toMatchObject([{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }]);
  });

  it('honours @skip and @include', async () => {
    const { body } = await ask('query ($yes: Boolean! = true) { topProducts { upc name @include(if: $yes) price @skip(if: $yes) } }');
    expect(body).toEqual({
      data: {
        topProducts: [
          { upc: '1', name: 'Table' },
          { upc: '2', name: 'Couch' },
        ],
      },
    });
  });

  it('keeps a subgraph-declared step-up and never sends the refused field', async () => {
    const { body } = await ask('{ topProducts { upc internalCode } }');
    expect(body.data).toEqual({
      topProducts: [
        { upc: '1', internalCode: null },
        { upc: '2', internalCode: null },
      ],
    });
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', requiredAcr: 'HIGH' });
    expect(received.map((entry) => entry.query).join('\n')).not.toContain('internalCode');
  });

  it('serves the subgraph-declared step-up to a token that meets it', async () => {
    const token = await issuer.sign({ sub: 'alice', acr: GOLD, auth_time: T0 });
    const { body } = await ask('{ topProducts { internalCode } }', token);
    expect(body).toEqual({ data: { topProducts: [{ internalCode: 'T-1' }, { internalCode: 'C-2' }] } });
  });
});
