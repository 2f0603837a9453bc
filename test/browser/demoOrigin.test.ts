import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/server.js';
import { startDevGateway } from '../helpers/devGateway.js';
import { titleOf, WebClient } from '../helpers/browser.js';
import { GOLD, postGraphQL, SILVER } from '../helpers/gateway.js';
import { DEV_USERS } from '../../src/idp/devUsers.js';

const decode = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const DAY = 86_400;

/** What the browser tests stand on, over plain HTTP (no Chromium needed). */
describe('dev mode: the demo app on its own origin, and the café session', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startDevGateway();
  });
  afterAll(() => gateway.close());

  it('serves the app, its popup callback and its bundle on another origin than the gateway', async () => {
    const demo = new URL(gateway.demoUrl!);
    expect(demo.origin).not.toBe(new URL(gateway.url).origin);
    const page = await fetch(demo);
    const html = await page.text();
    const config = JSON.parse(/<script type="application\/json" id="demo-config">(.*?)<\/script>/.exec(html)![1]!) as Record<string, unknown>;
    expect([page.status, config['issuer'], config['graphql'], config['clientId']]).toEqual([200, gateway.issuer, gateway.url, 'guthib-web']);
    expect(page.headers.get('content-security-policy')).toContain(`connect-src 'self' ${gateway.issuer} ${new URL(gateway.url).origin}`);
    const [callback, bundle] = await Promise.all([fetch(new URL('/callback.html', demo)), fetch(new URL('/app.js', demo))]);
    expect([callback.status, (await callback.text()).includes('/callback.js'), bundle.headers.get('content-type')]).toEqual([
      200,
      true,
      'text/javascript; charset=utf-8',
    ]);
    expect(await bundle.text()).toContain('createOidcStepUp');
  });

  it("allows the demo's origin, and only it, to call /graphql from a browser", async () => {
    const preflight = (origin: string) =>
      fetch(gateway.url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
    const demoOrigin = new URL(gateway.demoUrl!).origin;
    const [allowed, other] = await Promise.all([preflight(demoOrigin), preflight('http://elsewhere.example')]);
    expect([allowed.status, allowed.headers.get('access-control-allow-origin'), other.status]).toEqual([204, demoOrigin, 403]);
  });

  it('makes a remembered gold sign-in of 90 days ago, which the gateway decays to LOW', async () => {
    const client = new WebClient(gateway.issuer);
    const login = await client.authorize({ acr_values: GOLD });
    const afterPassword = await client.browser.submit(login.landing, '/login', {
      username: 'alice',
      password: DEV_USERS['alice']!.password,
      remember: 'yes',
      days_ago: '90',
    });
    const tokens = await login.finish(await client.totp(afterPassword, 'alice'));
    const claims = decode(tokens.access_token);
    const age = Math.floor(Date.now() / 1000) - (claims['auth_time'] as number);
    expect([claims['acr'], age >= 90 * DAY && age < 90 * DAY + 60]).toEqual([GOLD, true]);

    // Public repositories answer; the email asks for MEDIUM within 12 h; the transfer for HIGH within 300 s.
    const { body } = await postGraphQL(gateway.url, '{ repositories { name } viewer { login email } }', { token: tokens.access_token });
    expect(body).toMatchObject({
      data: { repositories: [{ name: 'gut' }, { name: 'website' }, { name: 'dotfiles' }], viewer: { login: 'alice', email: null } },
      errors: [{ path: ['viewer', 'email'], extensions: { code: 'STEP_UP_REQUIRED', requiredAcr: 'MEDIUM', maxAge: 43_200 } }],
    });
  });

  it('makes a silver sign-in of 719 minutes ago, one minute from the end of MEDIUM', async () => {
    const client = new WebClient(gateway.issuer);
    const login = await client.authorize({ acr_values: SILVER, max_age: '43200' });
    const afterPassword = await client.browser.submit(login.landing, '/login', {
      username: 'alice',
      password: DEV_USERS['alice']!.password,
      minutes_ago: '719',
    });
    const claims = decode((await login.finish(afterPassword)).access_token);
    const age = Math.floor(Date.now() / 1000) - (claims['auth_time'] as number);
    expect([claims['acr'], age >= 719 * 60 && age < 720 * 60]).toEqual([SILVER, true]);
  });

  it('refuses a "minutes ago" that is not a whole number', async () => {
    const client = new WebClient(gateway.issuer);
    const { landing } = await client.authorize();
    const refused = await client.browser.submit(landing, '/login', { username: 'alice', password: DEV_USERS['alice']!.password, minutes_ago: '-5' });
    expect([titleOf(refused), refused.kind === 'page' && refused.status, refused.kind === 'page' && refused.html.includes('one from 0 to 5256000')]).toEqual([
      'Sign in',
      400,
      true,
    ]);
  });

  it('refuses a "days ago" that is not a whole number of days up to ten years', async () => {
    const client = new WebClient(gateway.issuer);
    const { landing } = await client.authorize();
    const refused = await client.browser.submit(landing, '/login', { username: 'alice', password: DEV_USERS['alice']!.password, days_ago: '1.5' });
    expect([
      titleOf(refused),
      refused.kind === 'page' && refused.status,
      refused.kind === 'page' && refused.html.includes('must be a whole number from 0 to 3650'),
    ]).toEqual(['Sign in', 400, true]);
  });
});
