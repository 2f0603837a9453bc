import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntrospector, type IntrospectionOptions } from '../../src/auth/introspectToken.js';
import { GOLD, SILVER, startHarness, T0, type Harness } from '../helpers/gateway.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';

/** The defaults of `maxTokenLifetime` and `clockTolerance`, in seconds. */
const DAY = 86_400;
const TOLERANCE = 60;

let now = T0;
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startTestIssuer({ now: () => now });
});
afterAll(() => issuer.close());

/** An introspector that asks the test issuer's RFC 7662 endpoint, over loopback HTTP. */
const introspectorWith = (options: Partial<IntrospectionOptions> = {}) =>
  createIntrospector({
    issuer: issuer.issuer,
    audience: issuer.audience,
    clientId: 'guthib-gateway',
    clientSecret: 'gateway-secret',
    clock: () => now,
    ...options,
  });

let serial = 0;
/** Registers an introspection answer for a fresh opaque token and returns the token. */
function opaque(answer: Record<string, unknown>): string {
  const token = `opaque-${++serial}`;
  issuer.introspection.set(token, { active: true, sub: 'alice', aud: issuer.audience, iat: T0, exp: T0 + 3600, ...answer });
  return token;
}

describe('createIntrospector: token times (a revocation must outlive every token it matches)', () => {
  it('accepts an answer whose auth_time is exactly clockTolerance in the future', async () => {
    now = T0;
    expect(await introspectorWith().verify(opaque({ acr: GOLD, auth_time: T0 + TOLERANCE }))).toMatchObject({ kind: 'principal' });
  });

  it('refuses an answer whose auth_time is one second further in the future than clockTolerance', async () => {
    now = T0;
    expect(await introspectorWith().verify(opaque({ acr: GOLD, auth_time: T0 + TOLERANCE + 1 }))).toEqual({
      kind: 'invalid',
      reason: 'the token auth_time is in the future',
    });
  });

  it('refuses an answer whose iat is one second further in the future than clockTolerance', async () => {
    now = T0;
    expect(await introspectorWith().verify(opaque({ iat: T0 + TOLERANCE + 1 }))).toEqual({ kind: 'invalid', reason: 'the token iat is in the future' });
  });

  it('accepts an answer without iat whose exp is exactly maxTokenLifetime + clockTolerance away', async () => {
    now = T0;
    expect(await introspectorWith().verify(opaque({ iat: undefined, exp: T0 + DAY + TOLERANCE }))).toMatchObject({ kind: 'principal' });
  });

  it('refuses an answer without iat whose exp is one second further than maxTokenLifetime + clockTolerance', async () => {
    now = T0;
    expect(await introspectorWith().verify(opaque({ iat: undefined, exp: T0 + DAY + TOLERANCE + 1 }))).toEqual({
      kind: 'invalid',
      reason: 'the token expires too far in the future',
    });
  });

  it('refuses an answer issued for one second longer than maxTokenLifetime', async () => {
    now = T0;
    expect(await introspectorWith().verify(opaque({ iat: T0 - 10, exp: T0 - 10 + DAY + 1 }))).toEqual({
      kind: 'invalid',
      reason: 'the token lives longer than the gateway accepts',
    });
  });

  it('holds answers to the maxTokenLifetime and clockTolerance options', async () => {
    now = T0;
    const introspector = introspectorWith({ maxTokenLifetime: 600, clockTolerance: 5 });
    expect(await introspector.verify(opaque({ iat: undefined, exp: T0 + 600 + 5 + 1 }))).toEqual({
      kind: 'invalid',
      reason: 'the token expires too far in the future',
    });
  });

  it('stops serving a cached answer once the clock is set back further than its lifetime allows', async () => {
    now = T0;
    const introspector = introspectorWith();
    const token = opaque({ iat: undefined, exp: T0 + DAY + TOLERANCE });
    await introspector.verify(token);
    now = T0 - 1;
    expect(await introspector.verify(token)).toEqual({ kind: 'invalid', reason: 'the token expires too far in the future' });
  });
});

describe('createIntrospector: answers without aud (RFC 7662 §2.2 makes aud optional)', () => {
  const trusting = () => introspectorWith({ clientIdsWithoutAudience: ['partner-app'] });

  it('accepts an answer without aud whose client_id is on the list', async () => {
    now = T0;
    expect(await trusting().verify(opaque({ aud: undefined, client_id: 'partner-app' }))).toMatchObject({
      kind: 'principal',
      principal: { subject: 'alice', clientId: 'partner-app' },
    });
  });

  it('reads acr and auth_time from an answer without aud into the principal', async () => {
    now = T0;
    const outcome = await trusting().verify(opaque({ aud: undefined, client_id: 'partner-app', acr: GOLD, auth_time: T0 - 30 }));
    expect(outcome).toMatchObject({ kind: 'principal', principal: { acr: GOLD, authTime: T0 - 30 } });
  });

  it('refuses an answer without aud whose client_id is not on the list', async () => {
    now = T0;
    expect(await trusting().verify(opaque({ aud: undefined, client_id: 'someone-else' }))).toEqual({
      kind: 'invalid',
      reason: 'the token is not meant for this audience',
    });
  });

  it('refuses an answer without aud and without client_id', async () => {
    now = T0;
    expect(await trusting().verify(opaque({ aud: undefined }))).toEqual({ kind: 'invalid', reason: 'the token is not meant for this audience' });
  });

  it('refuses an answer without aud by default, whatever its client_id', async () => {
    now = T0;
    expect(await introspectorWith().verify(opaque({ aud: undefined, client_id: 'partner-app' }))).toEqual({
      kind: 'invalid',
      reason: 'the token is not meant for this audience',
    });
  });

  it('refuses an answer whose aud lacks the audience, although its client_id is on the list', async () => {
    now = T0;
    expect(await trusting().verify(opaque({ aud: ['another-api'], client_id: 'partner-app' }))).toEqual({
      kind: 'invalid',
      reason: 'the token is not meant for this audience',
    });
  });
});

describe('opaque tokens without aud at the gateway (introspectionClientIds)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      file: { opaqueTokens: true, introspectionClientIds: ['partner-app'] },
      env: { OIDC_CLIENT_ID: 'guthib-gateway', OIDC_CLIENT_SECRET: 'gateway-secret' },
    });
  });
  afterAll(() => h.close());

  it("serves a listed client's token at the level its introspected acr and auth_time give", async () => {
    h.issuer.introspection.set('opaque-silver', {
      active: true,
      sub: 'alice',
      client_id: 'partner-app',
      acr: SILVER,
      auth_time: T0 - 30,
      iat: T0,
      exp: T0 + 600,
    });
    const { status, body } = await h.post('{ viewer { login email paymentMethods { last4 } } }', { token: 'opaque-silver' });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      data: { viewer: { login: 'alice', email: 'alice@guthib.example', paymentMethods: null } },
      errors: [{ extensions: { code: 'STEP_UP_REQUIRED', requiredAcr: 'HIGH' } }],
    });
  });
});
