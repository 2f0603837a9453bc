import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL, startHarness, T0, GOLD, type Harness } from '../helpers/gateway.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** What came back on one raw connection, and whether the gateway closed it afterwards. */
interface RawExchange {
  readonly head: string;
  readonly closed: boolean;
}

/**
 * Writes bytes on a fresh TCP connection and reads until the gateway closes it or `waitMs` passes:
 * what `fetch` cannot send (a malformed request target, a keep-alive connection reused after a 413).
 */
function rawExchange(bytes: string | Buffer, waitMs = 1_000): Promise<RawExchange> {
  const { port } = new URL(h.gateway.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ head: received, closed: false });
    }, waitMs);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ head: received, closed: true });
    });
    socket.write(bytes);
  });
}

const statusOf = (head: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);

describe('nothing a client sends ends the process', () => {
  for (const target of ['//[/', 'http://a:99999/graphql', 'http://%zz/']) {
    it(`answers the request target ${target} with 400 and closes the connection`, async () => {
      const { head, closed } = await rawExchange(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect([statusOf(head), /\r\nconnection: close\r\n/i.test(head), closed]).toEqual([400, true, true]);
    });
  }

  it('keeps serving after a malformed request target', async () => {
    await rawExchange('GET //[/ HTTP/1.1\r\nHost: x\r\n\r\n');
    const { status } = await postGraphQL(h.gateway.url, '{ repositories { name } }');
    expect(status).toBe(200);
  });
});

describe('errors caused by the caller are 4xx with a stable code', () => {
  it('refuses a subscription to a schema without Subscription with 400 GRAPHQL_VALIDATION_FAILED', async () => {
    const { status, body } = await postGraphQL(h.gateway.url, 'subscription { repositories { name } }');
    expect(status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  });

  it('refuses an APQ hash that does not match its query with 400 BAD_REQUEST', async () => {
    const answer = await h.send({
      query: '{ repositories { name } }',
      extensions: { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update('{ other }').digest('hex') } },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
  });

  it('refuses an unknown APQ version with 400 BAD_REQUEST', async () => {
    const query = '{ repositories { name } }';
    const answer = await h.send({ query, extensions: { persistedQuery: { version: 2, sha256Hash: createHash('sha256').update(query).digest('hex') } } });
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
  });
});

describe('errors do not describe the schema when introspection is off', () => {
  it('names no field in a validation error ("Did you mean …")', async () => {
    const { body } = await postGraphQL(h.gateway.url, '{ repositorie { name } }');
    expect(body.errors?.[0]?.message).not.toMatch(/Did you mean/);
  });
});

describe('answers hold personal data', () => {
  it('sends Cache-Control: no-store with a successful query', async () => {
    const { headers } = await postGraphQL(h.gateway.url, '{ repositories { name } }', { token: await h.issuer.sign({ acr: GOLD, auth_time: T0 }) });
    expect(headers.get('cache-control')).toBe('no-store');
  });

  it('sends Cache-Control: no-store with a query over GET', async () => {
    const url = new URL(h.gateway.url);
    url.searchParams.set('query', '{ repositories { name } }');
    const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});

describe('a body over the limit', () => {
  it('is answered with 413 and the connection is closed', async () => {
    const body = JSON.stringify({ query: `{ repositories { name } } #${'x'.repeat(1_100_000)}` });
    const request = `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const next = 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}';
    const { head, closed } = await rawExchange(request + next, 3_000);
    expect([statusOf(head), closed]).toEqual([413, true]);
  });
});

describe('one token, sent one way (RFC 6750 §2)', () => {
  it('refuses two Authorization headers with 400 invalid_request', async () => {
    const token = await h.issuer.sign({ acr: GOLD, auth_time: T0 });
    const body = '{"query":"{ repositories { name } }"}';
    const { head } = await rawExchange(
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\nAuthorization: Bearer other\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(statusOf(head)).toBe(400);
    expect(head).toMatch(/www-authenticate: Bearer realm="guthib", error="invalid_request"/i);
  });

  it('refuses a token in both the header and the query with 400 invalid_request', async () => {
    const token = await h.issuer.sign({ acr: GOLD, auth_time: T0 });
    const url = new URL(h.gateway.url);
    url.searchParams.set('access_token', token);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ repositories { name } }' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('refuses a token in the query alone with 400 invalid_request: URLs end up in logs', async () => {
    const url = new URL(h.gateway.url);
    url.searchParams.set('access_token', await h.issuer.sign({ acr: GOLD, auth_time: T0 }));
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ repositories { name } }' }),
    });
    expect([response.status, response.headers.get('www-authenticate')]).toEqual([400, expect.stringContaining('error="invalid_request"')]);
  });
});

describe('CSRF prevention lets ordinary clients through', () => {
  it('serves a GET query that carries an Authorization header, as urql sends it', async () => {
    const url = new URL(h.gateway.url);
    url.searchParams.set('query', '{ repositories { name } }');
    const response = await fetch(url, { headers: { authorization: `Bearer ${await h.issuer.sign({ acr: GOLD, auth_time: T0 })}` } });
    expect(response.status).toBe(200);
  });

  it('still refuses a simple GET without Authorization or a preflight header', async () => {
    const url = new URL(h.gateway.url);
    url.searchParams.set('query', '{ repositories { name } }');
    const response = await fetch(url);
    expect(response.status).toBe(400);
  });
});
