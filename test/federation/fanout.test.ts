import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/gateway.js';

/** Bounded fan-out: root fields batched per subgraph, and a budget of subgraph requests per operation. */
const TEN_ALIASES = `{ ${Array.from({ length: 10 }, (_, i) => `a${i}: repositories { name owner { login } }`).join(' ')} }`;

describe('with the default limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'federated' });
  });
  afterAll(() => h.close());

  it('asks each subgraph once for ten aliases of a root field joined across both', async () => {
    h.received.length = 0;
    const { body } = await h.post(TEN_ALIASES);
    expect(body.errors).toBeUndefined();
    expect(Object.keys(body.data as object)).toHaveLength(10);
    expect(h.received.map((entry) => entry.subgraph).sort()).toEqual(['accounts', 'repositories']);
  });
});

describe('with limits.maxSubgraphRequests 1', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'federated', file: { limits: { maxSubgraphRequests: 1 } } });
  });
  afterAll(() => h.close());

  it('sends the first request only and answers the rest with SUBGRAPH_REQUEST_LIMIT, nulled as the schema says', async () => {
    h.received.length = 0;
    const { status, body } = await h.post('{ repositories { name owner { login } } }');
    expect(status).toBe(200);
    expect(h.received.map((entry) => entry.subgraph)).toEqual(['repositories']);
    // Repository.owner and User.login are non-null: the missing owner nulls up to the root, as GraphQL says.
    expect(body.data).toBeNull();
    expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'SUBGRAPH_REQUEST_LIMIT', service: 'accounts' } });
  });
});
