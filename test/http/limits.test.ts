import { request } from 'node:http';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/gateway.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ file: { introspection: true } });
});
afterAll(() => h.close());

const codeAndLimit = async (query: string) => {
  const started = Date.now();
  const { status, body } = await h.post(query);
  return { status, code: body.errors?.[0]?.extensions?.['code'], limit: body.errors?.[0]?.extensions?.['limit'], fast: Date.now() - started < 2_000 };
};
const nested = (depth: number) => `{ repositories { ${'owner { repositories { '.repeat((depth - 2) / 2)}name${' } }'.repeat((depth - 2) / 2)} } }`;

describe('request limits', () => {
  it('serves an operation 14 fields deep', async () => {
    expect((await h.post(nested(14))).status).toBe(200);
  });

  it('refuses an operation 16 fields deep with 400 and limit maxDepth', async () => {
    expect(await codeAndLimit(nested(16))).toEqual({ status: 400, code: 'GRAPHQL_VALIDATION_FAILED', limit: 'maxDepth', fast: true });
  });

  it('follows fragments when measuring depth', async () => {
    const fragments = Array.from({ length: 16 }, (_, i) => `fragment F${i} on Repository { owner { repositories { ...F${i + 1} } } }`).join(' ');
    expect(await codeAndLimit(`{ repositories { ...F0 } } ${fragments} fragment F16 on Repository { name }`)).toMatchObject({
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
    });
  });

  it('serves the standard introspection query when introspection is on', async () => {
    const { status, body } = await h.post(getIntrospectionQuery());
    expect([status, body.errors]).toEqual([200, undefined]);
  });

  it('refuses the eleventh alias of one field in a selection', async () => {
    const query = `{ ${Array.from({ length: 11 }, (_, i) => `a${i}: repositories { name }`).join(' ')} }`;
    expect(await codeAndLimit(query)).toMatchObject({ status: 400, limit: 'maxAliasesPerField' });
  });

  it('refuses more than 50 aliases spread over many fields', async () => {
    const fields = ['name', 'stars', 'description', 'id'];
    const query = `{ repositories { ${Array.from({ length: 52 }, (_, i) => `x${i}: ${fields[i % 4]}`).join(' ')} } }`;
    const { body } = await h.post(query);
    expect(body.errors?.map((error) => error.extensions?.['limit'])).toContain('maxAliases');
  });

  it('refuses a fragment bomb quickly: 2^30 selections once expanded', async () => {
    const levels = Array.from({ length: 30 }, (_, i) => `fragment B${i} on Repository { ...B${i + 1} ...B${i + 1} }`).join(' ');
    // B1..B30 would expand to 2^30 fields; the same field twice also merges, so the bound, not graphql-js, must stop it.
    expect(await codeAndLimit(`{ repositories { ...B0 } } ${levels} fragment B30 on Repository { name }`)).toMatchObject({
      status: 400,
      limit: 'maxSelections',
      fast: true,
    });
  });

  it('refuses a document with more than 10 000 tokens while parsing', async () => {
    expect(await codeAndLimit(`{ repositories { ${'name '.repeat(10_001)}} }`)).toMatchObject({ status: 400, code: 'GRAPHQL_PARSE_FAILED' });
  });

  it('refuses circular fragments', async () => {
    expect(
      await codeAndLimit('{ repositories { ...A } } fragment A on Repository { owner { repositories { ...B } } } fragment B on Repository { ...A }'),
    ).toMatchObject({
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
      fast: true,
    });
  });

  it('refuses a directive repeated on one field', async () => {
    expect(await codeAndLimit(`{ repositories @include(if: true) @include(if: true) { name } }`)).toMatchObject({
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
    });
  });

  it('refuses a batch of operations', async () => {
    const { status, body } = await h.send([{ query: '{ repositories { name } }' }, { query: '{ repositories { name } }' }]);
    expect([status, body.errors?.[0]?.extensions?.['code']]).toEqual([400, 'BAD_REQUEST']);
  });

  it('refuses a bearer token over 8192 bytes with 401 invalid_token', async () => {
    const { status, headers } = await h.post('{ repositories { name } }', { token: 'a'.repeat(8_193) });
    expect([status, headers.get('www-authenticate')]).toEqual([
      401,
      'Bearer realm="guthib", error="invalid_token", error_description="the token is longer than 8192 bytes"',
    ]);
  });

  it('answers headers over 16 KiB with 431', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(h.gateway.url);
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'GET', headers: { 'x-padding': 'p'.repeat(17_000) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(431);
  });
});

describe('introspection', () => {
  it('is off outside dev mode unless configured on', async () => {
    const production = await startHarness();
    try {
      const { status, body } = await production.post('{ __schema { queryType { name } } }');
      expect([status, body.errors?.[0]?.extensions?.['code']]).toEqual([400, 'GRAPHQL_VALIDATION_FAILED']);
    } finally {
      await production.close();
    }
  });
});
