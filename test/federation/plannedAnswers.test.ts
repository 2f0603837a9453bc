import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL } from '../helpers/gateway.js';
import { startSupergraphGateway, type SupergraphGateway } from '../helpers/supergraphGateway.js';

/**
 * The Rust planner's plan executor projects the subgraphs' data without graphql-js's value completion; where
 * that may differ (an entity a subgraph answered `null`, a fetch that failed), the gateway completes the answer
 * as graphql-js would: a non-null field without a value nulls its nearest nullable parent, with an error only
 * where no subgraph error already explains it.
 */
const link = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])`;
const REVIEWS = [
  { body: 'solid', author: { id: 'alice' }, reviewer: { id: 'alice' } },
  { body: 'gone', author: { id: 'ghost' }, reviewer: { id: 'ghost' } },
];
// The users subgraph fails the whole entity fetch for this one.
const BROKEN = [{ body: 'broken', author: { id: 'alice' }, reviewer: { id: 'broken' } }];

let h: SupergraphGateway;
let warnings: string[];
beforeAll(async () => {
  warnings = [];
  h = await startSupergraphGateway(
    {
      reviews: {
        sdl: `${link}
          type Query { reviews: [Review!]! brokenReviews: [Review]! }
          type Review { body: String! author: User reviewer: User! }
          type User @key(fields: "id", resolvable: false) { id: ID! }`,
        resolvers: { Query: { reviews: () => REVIEWS, brokenReviews: () => BROKEN } },
      },
      users: {
        sdl: `${link}
          type User @key(fields: "id") { id: ID! login: String! }`,
        resolvers: {
          User: {
            __resolveReference: ({ id }: { id: string }) => {
              if (id === 'broken') throw new Error('users database unreachable at 10.0.0.7');
              return id === 'ghost' ? null : { id, login: id };
            },
          },
        },
      },
    },
    { warn: (message) => void warnings.push(message) },
  );
});
afterAll(() => h.close());

describe('an answer the plan executor projected', () => {
  it('answers null for a nullable field whose entity a subgraph answered null', async () => {
    const { status, body } = await postGraphQL(h.gateway.url, '{ reviews { body author { login } } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({
      reviews: [
        { body: 'solid', author: { login: 'alice' } },
        { body: 'gone', author: null },
      ],
    });
  });

  it('nulls the nearest nullable parent of a non-null field whose entity a subgraph answered null, with the error graphql-js gives', async () => {
    const { status, body } = await postGraphQL(h.gateway.url, '{ reviews { body reviewer { login } } }');
    expect(status).toBe(200);
    // Review.reviewer and the list's items are non-null, and so is Query.reviews: the whole answer is null.
    expect(body).toEqual({
      data: null,
      errors: [expect.objectContaining({ message: 'Cannot return null for non-nullable field Review.reviewer.', path: ['reviews', 1, 'reviewer'] })],
    });
  });

  it("adds no completion error where the subgraph's own error explains the missing value", async () => {
    const { body } = await postGraphQL(h.gateway.url, '{ brokenReviews { body reviewer { login } } }');
    // Review.reviewer is non-null: the review is null, and the one error is the users subgraph's, masked.
    expect(body.data).toEqual({ brokenReviews: [null] });
    expect(body.errors).toEqual([
      expect.objectContaining({ message: 'A service this answer needs failed', extensions: { code: 'SUBGRAPH_ERROR', service: 'users' } }),
    ]);
    expect(warnings.join('\n')).toContain('10.0.0.7');
  });

  it('answers an entity every subgraph resolved as it is, with no error', async () => {
    const { body } = await postGraphQL(h.gateway.url, '{ reviews { body } }');
    expect(body).toEqual({ data: { reviews: REVIEWS.map(({ body: text }) => ({ body: text })) } });
  });
});
