import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOLD, startHarness, T0, type Harness } from '../helpers/gateway.js';

/** A web app on another origin calling the gateway from a browser: what the browser sees, over real HTTP. */
const APP = 'https://app.guthib.example';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ file: { cors: { origins: [APP], credentials: true } } });
});
afterAll(() => h.close());

const preflight = (origin: string, headers = 'authorization, content-type') =>
  fetch(h.gateway.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers } });

describe('cross-origin calls', () => {
  it('answers a preflight from an allowed origin asking to send Authorization', async () => {
    const response = await preflight(APP);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(response.headers.get('access-control-allow-headers')?.split(', ')).toEqual(expect.arrayContaining(['authorization', 'content-type']));
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('vary')).toContain('Origin');
  });

  it('refuses a preflight from an origin that is not allowed, with no CORS header', async () => {
    const response = await preflight('https://evil.example');
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a preflight asking for a request header it does not allow', async () => {
    expect((await preflight(APP, 'authorization, x-forwarded-user')).status).toBe(403);
  });

  it('lets an allowed origin read the answer and its WWW-Authenticate challenge', async () => {
    const token = await h.issuer.sign({ acr: 'urn:mace:incommon:iap:bronze', auth_time: T0 });
    const response = await fetch(h.gateway.url, {
      method: 'POST',
      headers: { origin: APP, 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ viewer { email } }' }),
    });
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
    expect(response.headers.get('vary')).toContain('Origin');
    expect(response.headers.get('www-authenticate')).toContain('insufficient_user_authentication');
  });

  it('gives an origin that is not allowed no CORS header, so its browser withholds the answer', async () => {
    const token = await h.issuer.sign({ acr: GOLD, auth_time: T0 });
    const response = await fetch(h.gateway.url, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ repositories { name } }' }),
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('vary')).toContain('Origin');
  });
});
