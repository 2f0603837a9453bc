import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BRONZE, GOLD, SILVER, startHarness, T0, type Harness } from '../helpers/gateway.js';
import { countStarListeners, startSubscriber, type Subscriber } from '../helpers/subscriber.js';

/** MEDIUM's max age on the default ladder, and the default clock tolerance, in seconds. */
const MEDIUM_MAX_AGE = 43_200;
const TOLERANCE = 60;

const STARRED = 'subscription Stars { repositoryStarred { repository { name stars } by { login } } }';
const STAR = 'mutation Star($id: ID!) { starRepository(id: $id) { stars } }';

describe.each(['local', 'federated'] as const)('subscriptions over WebSocket (%s)', (mode) => {
  let h: Harness;
  let subscribers: Subscriber[];
  /** Star listeners open in the example's source now: a subscription left open upstream shows here. */
  let listeners: () => number;
  /** Whether the test closed the gateway itself. */
  let closed: boolean;

  /** Moves the gateway's clock and the system clock together (logouts expire by Date.now). */
  const moveTo = (seconds: number) => {
    h.setNow(seconds);
    vi.setSystemTime(seconds * 1000);
  };
  const subscriber = (options: Parameters<typeof startSubscriber>[1]) => {
    const one = startSubscriber(h.gateway.url, options);
    subscribers.push(one);
    return one;
  };
  /** Stars alice's repository `gut` as bob, over HTTP. */
  const star = async () => {
    const answer = await h.post(STAR, { token: await h.issuer.sign({ sub: 'bob', acr: BRONZE, auth_time: h.now() }), variables: { id: 'Repository:1' } });
    expect(answer.body.errors).toBeUndefined();
  };
  const untilListening = async (count: number) => {
    for (let i = 0; i < 100 && listeners() !== count; i += 1) await new Promise((done) => setTimeout(done, 20));
    expect(listeners()).toBe(count);
  };

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0 * 1000);
    subscribers = [];
    closed = false;
    h = await startHarness({ mode });
    listeners = countStarListeners(h.source);
  });
  afterEach(async () => {
    await Promise.all(subscribers.map((one) => one.close()));
    if (!closed) await h.close();
    vi.useRealTimers();
  });

  it('delivers an event to a caller who meets the root field’s level', async () => {
    const alice = subscriber({ token: await h.issuer.sign({ acr: SILVER, auth_time: T0 }) });
    const stars = alice.subscribe(STARRED);
    await untilListening(1);
    await star();
    expect(await stars.take()).toEqual({
      kind: 'next',
      result: { data: { repositoryStarred: { repository: { name: 'gut', stars: 43 }, by: { login: 'bob' } } } },
    });
  });

  it('refuses a caller below the level with STEP_UP_REQUIRED and its challenge, then completes, opening nothing upstream', async () => {
    const weak = subscriber({ token: await h.issuer.sign({ acr: BRONZE, auth_time: T0 }) });
    const stars = weak.subscribe(STARRED);
    const refused = await stars.take();
    expect(refused).toMatchObject({
      kind: 'next',
      result: { errors: [{ path: ['repositoryStarred'], extensions: { code: 'STEP_UP_REQUIRED', acrValues: `${SILVER} ${GOLD}` } }] },
    });
    expect(refused.kind === 'next' && refused.result.data).toBeUndefined();
    expect(await stars.take()).toEqual({ kind: 'complete' });
    expect(listeners()).toBe(0);
  });

  it('refuses an anonymous caller with UNAUTHENTICATED, then completes', async () => {
    const anonymous = subscriber({});
    const stars = anonymous.subscribe(STARRED);
    expect(await stars.take()).toMatchObject({ kind: 'next', result: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] } });
    expect(await stars.take()).toEqual({ kind: 'complete' });
  });

  it('still delivers at the exact second MEDIUM reaches its max age', async () => {
    const alice = subscriber({ token: await h.issuer.sign({ acr: SILVER, auth_time: T0, exp: T0 + 2 * MEDIUM_MAX_AGE }) });
    const stars = alice.subscribe(STARRED);
    await untilListening(1);
    moveTo(T0 + MEDIUM_MAX_AGE);
    await star();
    expect(await stars.take()).toMatchObject({ kind: 'next', result: { data: { repositoryStarred: { by: { login: 'bob' } } } } });
  });

  it('ends the subscription one second past the max age with STEP_UP_REQUIRED and its challenge, and delivers nothing after', async () => {
    const alice = subscriber({ token: await h.issuer.sign({ acr: SILVER, auth_time: T0, exp: T0 + 2 * MEDIUM_MAX_AGE }) });
    const stars = alice.subscribe(STARRED);
    await untilListening(1);
    moveTo(T0 + MEDIUM_MAX_AGE + 1);
    await star();
    const end = await stars.take();
    expect(end).toMatchObject({
      kind: 'next',
      result: { errors: [{ path: ['repositoryStarred'], extensions: { code: 'STEP_UP_REQUIRED', acrValues: `${SILVER} ${GOLD}`, maxAge: MEDIUM_MAX_AGE } }] },
    });
    expect(end.kind === 'next' && end.result.data).toBeUndefined();
    expect(await stars.take()).toEqual({ kind: 'complete' });
    await untilListening(0);
    await star();
    expect(await stars.quiet()).toBe(true);
    expect(alice.closes).toEqual([]);
  });

  it('nulls a protected field inside an event for a caller below it, with the usual error, and keeps the subscription', async () => {
    const alice = subscriber({ token: await h.issuer.sign({ acr: SILVER, auth_time: T0 }) });
    const stars = alice.subscribe('subscription { repositoryStarred { repository { name } by { login paymentMethods { last4 } } } }');
    await untilListening(1);
    await star();
    const event = await stars.take();
    expect(event).toMatchObject({
      kind: 'next',
      result: {
        data: { repositoryStarred: { repository: { name: 'gut' }, by: { login: 'bob', paymentMethods: null } } },
        errors: [{ path: ['repositoryStarred', 'by', 'paymentMethods'], extensions: { code: 'STEP_UP_REQUIRED', acrValues: GOLD } }],
      },
    });
    await star();
    expect(await stars.take()).toMatchObject({ kind: 'next', result: { data: { repositoryStarred: { repository: { name: 'gut' } } } } });
  });

  it('ends every subscription with UNAUTHENTICATED once the token has expired, then closes the socket with 4403', async () => {
    const alice = subscriber({ token: await h.issuer.sign({ acr: SILVER, auth_time: T0, exp: T0 + 600 }) });
    const stars = alice.subscribe(STARRED);
    await untilListening(1);
    moveTo(T0 + 600 + TOLERANCE - 1);
    await star();
    expect(await stars.take()).toMatchObject({ kind: 'next', result: { data: { repositoryStarred: { repository: { name: 'gut' } } } } });
    moveTo(T0 + 600 + TOLERANCE);
    await star();
    expect(await stars.take()).toMatchObject({ kind: 'next', result: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] } });
    expect(await stars.take()).toEqual({ kind: 'complete' });
    await untilListening(0);
    for (let i = 0; i < 50 && alice.closes.length === 0; i += 1) await new Promise((done) => setTimeout(done, 20));
    expect(alice.closes).toEqual([4403]);
  });

  it('ends the subscription and closes with 4403 after a back-channel logout of its session', async () => {
    const alice = subscriber({ token: await h.issuer.sign({ acr: SILVER, auth_time: T0, sid: 'session-1' }) });
    const stars = alice.subscribe(STARRED);
    await untilListening(1);
    const logoutToken = await h.issuer.sign(
      { aud: 'guthib-web', jti: crypto.randomUUID(), sid: 'session-1', events: { 'http://schemas.openid.net/event/backchannel-logout': {} } },
      { header: { typ: 'logout+jwt' }, omit: ['exp', 'client_id'] },
    );
    const logout = await fetch(new URL('/backchannel-logout', h.gateway.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: logoutToken }),
    });
    expect(logout.status).toBe(200);
    await star();
    expect(await stars.take()).toMatchObject({
      kind: 'next',
      result: { errors: [{ message: 'The access token is not valid: the session of the token has ended (logout)', extensions: { code: 'UNAUTHENTICATED' } }] },
    });
    expect(await stars.take()).toEqual({ kind: 'complete' });
    await untilListening(0);
    for (let i = 0; i < 50 && alice.closes.length === 0; i += 1) await new Promise((done) => setTimeout(done, 20));
    expect(alice.closes).toEqual([4403]);
  });

  it('after a 4403 close, a client that reconnects with a new token subscribes again and receives events', async () => {
    let token = await h.issuer.sign({ acr: SILVER, auth_time: T0, exp: T0 + 600 });
    const alice = subscriber({ token: () => token, retryAttempts: 1 });
    const first = alice.subscribe(STARRED);
    await untilListening(1);
    moveTo(T0 + 600 + TOLERANCE);
    token = await h.issuer.sign({ acr: GOLD, auth_time: h.now() });
    await star();
    expect(await first.take()).toMatchObject({ kind: 'next', result: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] } });
    expect(await first.take()).toEqual({ kind: 'complete' });
    // The socket closes just after the end: a subscribe sent before that close would meet the closing connection.
    for (let i = 0; i < 100 && alice.closes.length === 0; i += 1) await new Promise((done) => setTimeout(done, 20));
    const again = alice.subscribe(STARRED);
    await untilListening(1);
    await star();
    expect(await again.take()).toMatchObject({ kind: 'next', result: { data: { repositoryStarred: { by: { login: 'bob' } } } } });
    expect(alice.closes).toEqual([4403]);
  });

  it('closes the upstream source when the client completes the subscription', async () => {
    const alice = subscriber({ token: await h.issuer.sign({ acr: SILVER, auth_time: T0 }) });
    const stars = alice.subscribe(STARRED);
    await untilListening(1);
    stars.unsubscribe();
    await untilListening(0);
  });

  it('ends subscriptions with close code 1001 when the gateway shuts down', async () => {
    const alice = subscriber({ token: await h.issuer.sign({ acr: SILVER, auth_time: T0 }) });
    alice.subscribe(STARRED);
    await untilListening(1);
    closed = true;
    await h.close();
    await untilListening(0);
    for (let i = 0; i < 50 && alice.closes.length === 0; i += 1) await new Promise((done) => setTimeout(done, 20));
    expect(alice.closes).toEqual([1001]);
  });

  it('records subscribe and end with the reason in the audit trail', async () => {
    const alice = subscriber({ token: await h.issuer.sign({ acr: SILVER, auth_time: T0, exp: T0 + 2 * MEDIUM_MAX_AGE }) });
    const stars = alice.subscribe(STARRED);
    await untilListening(1);
    moveTo(T0 + MEDIUM_MAX_AGE + 1);
    await star();
    await stars.take();
    await stars.take();
    const events = h.logs.filter((line) => String(line['event']).startsWith('subscription.'));
    expect(events.map((line) => [line['event'], line['reason'], line['sub']])).toEqual([
      ['subscription.started', undefined, 'alice'],
      ['subscription.ended', 'step_up_required', 'alice'],
    ]);
  });
});
