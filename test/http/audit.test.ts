import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GOLD, SILVER, startHarness, T0, transferApproval, type Harness } from '../helpers/gateway.js';

/** The audit trail, read from the gateway's real log stream after real requests over HTTP. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ file: { metrics: { port: 0 } } });
});
afterAll(() => h.close());
beforeEach(() => {
  h.setNow(T0);
  h.logs.length = 0;
});

const TRANSFER = (id: string) => `mutation Transfer { transferRepositoryOwnership(repositoryId: "${id}", newOwner: "bob") { name } }`;
const events = (name: string) => h.logs.filter((line) => line['event'] === name);
/** Waits for the line written after the answer was sent. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('the audit trail', () => {
  it('records a refused transfer once, with who, what was required, their level and age, and no token', async () => {
    const token = await h.issuer.sign({ sub: 'alice', acr: SILVER, auth_time: T0 - 120, sid: 'cafe-session', client_id: 'guthib-web' });
    const { status, headers } = await h.post(TRANSFER('Repository:1'), { token });
    await settled();
    expect(status).toBe(401);
    const refused = events('step_up.refused');
    expect(refused).toEqual([
      expect.objectContaining({
        level: 30,
        requestId: headers.get('x-request-id'),
        operation: { name: 'Transfer', type: 'mutation' },
        client_id: 'guthib-web',
        sub: 'alice',
        sid: 'cafe-session',
        coordinate: 'Mutation.transferRepositoryOwnership',
        requirement: { level: 'HIGH', maxAge: 300, once: true },
        caller: { acr: SILVER, level: 'MEDIUM', authAge: 120 },
        outcome: 'STEP_UP_REQUIRED',
      }),
    ]);
    expect(JSON.stringify(h.logs)).not.toContain(token);
    expect(JSON.stringify(h.logs)).not.toContain(token.split('.')[2]);
  });

  it('records a transfer a step-up let through once, with what the user approved', async () => {
    const token = await h.issuer.sign({ sub: 'alice', acr: GOLD, auth_time: T0 - 10, authorization_details: [transferApproval('Repository:2', 'bob')] });
    const { status } = await h.post(TRANSFER('Repository:2'), { token });
    await settled();
    expect(status).toBe(200);
    expect(events('step_up.allowed')).toEqual([
      expect.objectContaining({
        operation: { name: 'Transfer', type: 'mutation' },
        sub: 'alice',
        coordinate: 'Mutation.transferRepositoryOwnership',
        requirement: { level: 'HIGH', maxAge: 300, once: true },
        caller: { acr: GOLD, level: 'HIGH', authAge: 10 },
        outcome: 'ALLOWED',
        approval: transferApproval('Repository:2', 'bob'),
      }),
    ]);
  });

  it('writes one request line per request, with its status, duration, operation and client', async () => {
    const token = await h.issuer.sign({ sub: 'alice', acr: GOLD, auth_time: T0, client_id: 'guthib-web' });
    await h.post('query Repos { repositories { name } }', { token });
    await settled();
    expect(events('request')).toEqual([
      expect.objectContaining({ status: 200, operation: { name: 'Repos', type: 'query' }, client_id: 'guthib-web', durationMs: expect.any(Number) }),
    ]);
  });

  it('names why a token was refused, without the token', async () => {
    const token = await h.issuer.sign({ sub: 'alice', aud: 'someone-else' });
    const { status } = await h.post('{ repositories { name } }', { token });
    await settled();
    expect(status).toBe(401);
    expect(events('token.refused')).toEqual([expect.objectContaining({ code: 'UNAUTHENTICATED', status: 401, reason: expect.stringMatching(/aud/) })]);
    expect(JSON.stringify(h.logs)).not.toContain(token.split('.')[1]);
  });

  it("keeps the caller's x-request-id and returns it", async () => {
    const response = await fetch(h.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-42.cafe' },
      body: JSON.stringify({ query: '{ repositories { name } }' }),
    });
    await settled();
    expect(response.headers.get('x-request-id')).toBe('req-42.cafe');
    expect(events('request')[0]).toMatchObject({ requestId: 'req-42.cafe' });
  });
});

describe('/metrics', () => {
  const scrape = async () => (await fetch(h.gateway.metricsUrl!)).text();
  const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);

  it('is served on a listener of its own, not beside /graphql', async () => {
    expect(new URL(h.gateway.metricsUrl!).port).not.toBe(new URL(h.gateway.url).port);
    expect((await fetch(new URL('/metrics', h.gateway.url))).status).toBe(404);
  });

  it('counts requests, decisions, token verifications and subgraph requests as they happen', async () => {
    const before = await scrape();
    const token = await h.issuer.sign({ sub: 'alice', acr: SILVER, auth_time: T0 });
    await h.post(TRANSFER('Repository:1'), { token });
    await h.post('{ repositories { name } }', { token });
    await settled();
    const after = await scrape();
    expect(
      value(after, 'stepup_gateway_requests_total{status="401",operation_type="mutation"}') -
        value(before, 'stepup_gateway_requests_total{status="401",operation_type="mutation"}'),
    ).toBe(1);
    expect(
      value(after, 'stepup_gateway_decisions_total{coordinate="Mutation.transferRepositoryOwnership",outcome="STEP_UP_REQUIRED"}') -
        value(before, 'stepup_gateway_decisions_total{coordinate="Mutation.transferRepositoryOwnership",outcome="STEP_UP_REQUIRED"}'),
    ).toBe(1);
    expect(
      value(after, 'stepup_gateway_token_verifications_total{outcome="valid"}') - value(before, 'stepup_gateway_token_verifications_total{outcome="valid"}'),
    ).toBe(2);
    expect(value(after, 'stepup_gateway_token_cache_total{result="hit"}') - value(before, 'stepup_gateway_token_cache_total{result="hit"}')).toBe(1);
    expect(
      value(after, 'stepup_gateway_subgraph_requests_total{subgraph="repositories",outcome="ok"}') -
        value(before, 'stepup_gateway_subgraph_requests_total{subgraph="repositories",outcome="ok"}'),
    ).toBe(1);
    expect(after).toMatch(/^stepup_gateway_subgraph_request_duration_seconds_count\{subgraph="repositories"\} \d+$/m);
    expect(value(after, 'stepup_gateway_policy_coordinates')).toBe(h.gateway.policy.fields.size);
  });
});

describe('the audit trail with "log": { "requests": false }', () => {
  let quiet: Harness;
  beforeAll(async () => {
    quiet = await startHarness({ file: { log: { requests: false } } });
  });
  afterAll(() => quiet.close());
  const quietEvents = (name: string) => quiet.logs.filter((line) => line['event'] === name);

  it('writes no request line for an answered request', async () => {
    quiet.setNow(T0);
    const token = await quiet.issuer.sign({ sub: 'alice', acr: GOLD, auth_time: T0 });
    const { status } = await quiet.post('query Repos { repositories { name } }', { token });
    await settled();
    expect(status).toBe(200);
    expect(quietEvents('request')).toEqual([]);
  });

  it('still records a refusal in the audit trail', async () => {
    quiet.setNow(T0);
    const token = await quiet.issuer.sign({ sub: 'alice', acr: SILVER, auth_time: T0 - 120 });
    const { status } = await quiet.post(TRANSFER('Repository:1'), { token });
    await settled();
    expect(status).toBe(401);
    expect(quietEvents('step_up.refused')).toEqual([
      expect.objectContaining({ coordinate: 'Mutation.transferRepositoryOwnership', outcome: 'STEP_UP_REQUIRED' }),
    ]);
    expect(quietEvents('request')).toEqual([]);
  });
});
