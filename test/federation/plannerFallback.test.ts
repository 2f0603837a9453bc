import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { postGraphQL } from '../helpers/gateway.js';
import { startSupergraphGateway, type SupergraphGateway } from '../helpers/supergraphGateway.js';

/**
 * The Rust planner is a native module: on a platform it has no build for (musl, Windows) it does not load.
 * The gateway then says why and runs every operation on the stitching executor, with the same answers and
 * the same pruning. Here its loader fails as a missing native binding does.
 */
vi.mock('@graphql-hive/router-runtime', () => ({
  unifiedGraphHandler: () => Promise.reject(new Error('Cannot find native binding for linux-x64-musl')),
}));

const link = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])`;

let h: SupergraphGateway;
const warnings: string[] = [];
beforeAll(async () => {
  h = await startSupergraphGateway(
    {
      reviews: {
        sdl: `${link}
          type Query { reviews: [Review!]! }
          type Review { body: String! author: User! }
          type User @key(fields: "id", resolvable: false) { id: ID! }`,
        resolvers: { Query: { reviews: () => [{ body: 'solid', author: { id: 'alice' } }] } },
      },
      users: {
        sdl: `${link}
          type User @key(fields: "id") { id: ID! login: String! }`,
        resolvers: { User: { __resolveReference: ({ id }: { id: string }) => ({ id, login: id }) } },
      },
    },
    { warn: (message) => void warnings.push(message) },
  );
});
afterAll(() => h.close());

describe('a gateway whose Rust planner does not load', () => {
  it('says why in its log, naming the stitching executor', () => {
    expect(warnings.join('\n')).toContain(
      'the Rust query planner cannot serve this supergraph, so the stitching executor runs every operation: Cannot find native binding for linux-x64-musl',
    );
  });

  it('starts and answers a query across both subgraphs all the same', async () => {
    const { status, body } = await postGraphQL(h.gateway.url, '{ reviews { body author { login } } }');
    expect(status).toBe(200);
    expect(body).toEqual({ data: { reviews: [{ body: 'solid', author: { login: 'alice' } }] } });
  });
});
