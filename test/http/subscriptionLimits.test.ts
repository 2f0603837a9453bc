import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SILVER, startHarness, T0, type Harness } from '../helpers/gateway.js';
import { startSubscriber, wsUrlOf, type Subscriber } from '../helpers/subscriber.js';

const STARRED = 'subscription { repositoryStarred { repository { name } } }';

let h: Harness;
const opened: Subscriber[] = [];
beforeAll(async () => {
  h = await startHarness({
    file: { cors: { origins: ['https://app.example'] }, subscriptions: { maxPerConnection: 2, connectionInitTimeoutMs: 300 }, limits: { maxDepth: 4 } },
  });
});
afterAll(async () => {
  await Promise.all(opened.map((one) => one.close()));
  await h.close();
});

const subscriber = (options: Parameters<typeof startSubscriber>[1]) => {
  const one = startSubscriber(h.gateway.url, options);
  opened.push(one);
  return one;
};

/** Opens a raw socket and answers with how the upgrade went: the status refused, or `open`. */
function upgrade(headers: Record<string, string>, path = '/graphql'): Promise<number | 'open'> {
  return new Promise((done) => {
    const socket = new WebSocket(wsUrlOf(new URL(path, h.gateway.url).href), 'graphql-transport-ws', { headers });
    socket.once('open', () => {
      socket.close();
      done('open');
    });
    socket.once('unexpected-response', (_req, res) => done(res.statusCode ?? 0));
    socket.once('error', () => undefined);
  });
}

/** A raw socket's close code once it closes. */
function closeCodeOf(socket: WebSocket): Promise<number> {
  return new Promise((done) => socket.once('close', (code) => done(code)));
}

describe('GraphQL over WebSocket at its limits', () => {
  it('refuses the upgrade from a browser origin that is not one of the CORS origins with 403', async () => {
    expect(await upgrade({ origin: 'https://evil.example' })).toBe(403);
  });

  it('accepts the upgrade from a CORS origin, and from a client that sends no Origin', async () => {
    expect(await upgrade({ origin: 'https://app.example' })).toBe('open');
    expect(await upgrade({})).toBe('open');
  });

  it('refuses a token in the URL with 400 before the upgrade', async () => {
    expect(await upgrade({}, '/graphql?access_token=abc')).toBe(400);
  });

  it('closes a connection with 4403 when its token is not valid', async () => {
    const forged = subscriber({ token: 'not-a-token' });
    forged.subscribe(STARRED);
    for (let i = 0; i < 50 && forged.closes.length === 0; i += 1) await new Promise((done) => setTimeout(done, 20));
    expect(forged.closes).toEqual([4403]);
  });

  it('closes a socket that sends no connection_init within the timeout with 4408', async () => {
    const socket = new WebSocket(wsUrlOf(h.gateway.url), 'graphql-transport-ws');
    expect(await closeCodeOf(socket)).toBe(4408);
  });

  it('closes a socket whose message is over maxBodyBytes with 1009', async () => {
    const socket = new WebSocket(wsUrlOf(h.gateway.url), 'graphql-transport-ws');
    await new Promise((done) => socket.once('open', done));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(1_100_000) } }));
    expect(await closeCodeOf(socket)).toBe(1009);
  });

  it('refuses a query sent over the socket with BAD_REQUEST: it carries subscriptions only', async () => {
    const alice = subscriber({ token: await h.issuer.sign({ acr: SILVER, auth_time: T0 }) });
    const query = alice.subscribe('{ viewer { login } }');
    expect(await query.take()).toMatchObject({ kind: 'error', error: [{ extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('refuses a subscription over the depth limit with GRAPHQL_VALIDATION_FAILED and the limit named', async () => {
    const alice = subscriber({ token: await h.issuer.sign({ acr: SILVER, auth_time: T0 }) });
    const deep = alice.subscribe('subscription { repositoryStarred { repository { owner { repositories { owner { login } } } } } }');
    expect(await deep.take()).toMatchObject({ kind: 'error', error: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'maxDepth' } }] });
  });

  it('refuses a subscription past maxPerConnection and keeps the others', async () => {
    const alice = subscriber({ token: await h.issuer.sign({ acr: SILVER, auth_time: T0 }) });
    const first = alice.subscribe(STARRED);
    const second = alice.subscribe(STARRED);
    const third = alice.subscribe(STARRED);
    expect(await third.take()).toMatchObject({ kind: 'error', error: [{ extensions: { code: 'BAD_REQUEST', limit: 'subscriptions.maxPerConnection' } }] });
    expect([await first.quiet(), await second.quiet()]).toEqual([true, true]);
    expect(alice.closes).toEqual([]);
  });
});
