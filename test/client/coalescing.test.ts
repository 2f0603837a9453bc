import { describe, expect, it } from 'vitest';
import { covers, createStepUpFetch, type StepUpRequest } from '../../src/client/index.js';

const GOLD = 'urn:mace:incommon:iap:gold';
const SILVER = 'urn:mace:incommon:iap:silver';

/** A gateway in a function: a token is `level:authId`; each operation's body says what it needs. */
function fakeGateway() {
  return async (_input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const token = new Headers(init?.headers).get('authorization')?.slice('Bearer '.length) ?? '';
    const need = JSON.parse(String(init?.body)) as { level: string; once?: string };
    const level = token.slice(0, token.lastIndexOf(':'));
    const auth = token.slice(token.lastIndexOf(':') + 1);
    const fresh = need.once === undefined || need.once === auth;
    if (level === need.level && fresh) return Response.json({ data: { ok: need } });
    const extensions =
      need.once !== undefined && level === need.level
        ? { code: 'STEP_UP_REQUIRED', acrValues: need.level, maxAge: 0, once: true, prompt: 'login' }
        : { code: 'STEP_UP_REQUIRED', acrValues: need.level, maxAge: 300 };
    return Response.json({ errors: [{ message: 'step up', extensions }] }, { status: 401 });
  };
}

/** A step-up the test settles by hand. */
function manualStepUp() {
  const calls: Array<{ request: StepUpRequest; settle: (token: string) => void; fail: (error: Error) => void }> = [];
  let token: string | undefined = 'silver:0';
  const stepUp = (request: StepUpRequest) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ request, settle: (next) => ((token = next), resolve()), fail: reject });
    });
  return { calls, stepUp, accessToken: () => token };
}

const body = (need: { level: string; once?: string }) => ({ method: 'POST', body: JSON.stringify(need) });
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('step-ups shared between operations', () => {
  it('lets an operation that fails while a covering step-up is in flight join it', async () => {
    const { calls, stepUp, accessToken } = manualStepUp();
    const stepUpFetch = createStepUpFetch({ fetch: fakeGateway(), accessToken, stepUp });
    const first = stepUpFetch('http://gateway/graphql', body({ level: GOLD }));
    await tick();
    const second = stepUpFetch('http://gateway/graphql', body({ level: GOLD }));
    await tick();
    calls[0]!.settle(`${GOLD}:1`);
    expect([(await first).status, (await second).status, calls.length]).toEqual([200, 200, 1]);
  });

  it('runs one more step-up after the one in flight for an operation that needs a new login', async () => {
    const { calls, stepUp, accessToken } = manualStepUp();
    const stepUpFetch = createStepUpFetch({ fetch: fakeGateway(), accessToken, stepUp });
    const weak = stepUpFetch('http://gateway/graphql', body({ level: GOLD }));
    await tick();
    // The token changes to gold:used, then an operation needs a new login of its own.
    calls[0]!.settle(`${GOLD}:used`);
    await weak;
    const once = stepUpFetch('http://gateway/graphql', body({ level: GOLD, once: 'fresh' }));
    await tick();
    calls[1]!.settle(`${GOLD}:fresh`);
    expect([(await once).status, calls.map((call) => call.request.forceLogin)]).toEqual([200, [false, true]]);
  });

  it('waits for the step-up in flight before starting a stricter one', async () => {
    const { calls, stepUp, accessToken } = manualStepUp();
    const stepUpFetch = createStepUpFetch({ fetch: fakeGateway(), accessToken, stepUp });
    const silverOp = stepUpFetch('http://gateway/graphql', body({ level: SILVER }));
    await tick();
    const goldOp = stepUpFetch('http://gateway/graphql', body({ level: GOLD }));
    await tick();
    const inFlightBeforeFirstSettles = calls.length;
    calls[0]!.settle(`${SILVER}:1`);
    await silverOp;
    await tick();
    calls[1]!.settle(`${GOLD}:2`);
    expect([inFlightBeforeFirstSettles, (await goldOp).status, calls.length]).toEqual([1, 200, 2]);
  });

  it('fails the operations that joined a failed step-up, not those sent after it', async () => {
    const { calls, stepUp, accessToken } = manualStepUp();
    const stepUpFetch = createStepUpFetch({ fetch: fakeGateway(), accessToken, stepUp });
    const joined = stepUpFetch('http://gateway/graphql', body({ level: GOLD }));
    await tick();
    calls[0]!.fail(new Error('closed'));
    await expect(joined).rejects.toThrow('closed');
    const later = stepUpFetch('http://gateway/graphql', body({ level: GOLD }));
    await tick();
    calls[1]!.settle(`${GOLD}:1`);
    expect([(await later).status, calls.length]).toEqual([200, 2]);
  });

  it('lists every joined operation in the pending step-up (what redirect mode saves)', async () => {
    const { calls, stepUp, accessToken } = manualStepUp();
    const stepUpFetch = createStepUpFetch({ fetch: fakeGateway(), accessToken, stepUp });
    const operations = [stepUpFetch('http://gateway/graphql', body({ level: GOLD })), stepUpFetch('http://gateway/graphql', body({ level: GOLD }))];
    await tick();
    const saved = calls[0]!.request.operations.map((operation) => [
      operation.method,
      operation.body,
      operation.headers.some(([name]) => name === 'authorization'),
    ]);
    calls[0]!.settle(`${GOLD}:1`);
    await Promise.all(operations);
    expect(saved).toEqual([
      ['POST', JSON.stringify({ level: GOLD }), false],
      ['POST', JSON.stringify({ level: GOLD }), false],
    ]);
  });

  it('replays a Request object with its body', async () => {
    const { calls, stepUp, accessToken } = manualStepUp();
    const stepUpFetch = createStepUpFetch({ fetch: fakeGateway(), accessToken, stepUp });
    const answer = stepUpFetch(
      new Request('http://gateway/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ level: GOLD }) }),
    );
    await tick();
    calls[0]!.settle(`${GOLD}:1`);
    expect(await (await answer).json()).toEqual({ data: { ok: { level: GOLD } } });
  });

  it('names a missing option with a TypeError', () => {
    expect(() => createStepUpFetch({ accessToken: () => undefined } as never)).toThrow(new TypeError('"stepUp" option must be a function returning a promise'));
  });
});

describe('covers', () => {
  const need = (fields: Partial<StepUpRequest>) => ({ kind: 'step-up' as const, forceLogin: false, ...fields });

  it('counts a gold step-up as covering a need for silver or gold', () => {
    expect(covers(need({ acrValues: [GOLD] }), need({ acrValues: [SILVER, GOLD] }))).toBe(true);
  });

  it('does not count a silver-or-gold step-up as covering a need for gold', () => {
    expect(covers(need({ acrValues: [SILVER, GOLD] }), need({ acrValues: [GOLD] }))).toBe(false);
  });

  it('does not count a step-up without a new login as covering a used one-time step-up', () => {
    expect(covers(need({ acrValues: [GOLD], maxAge: 300 }), need({ acrValues: [GOLD], maxAge: 0, forceLogin: true }))).toBe(false);
  });

  it('does not count a max age of 300 s as covering one of 60 s', () => {
    expect(covers(need({ maxAge: 300 }), need({ maxAge: 60 }))).toBe(false);
  });
});
