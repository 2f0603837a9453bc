import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEV_USERS } from '../../src/idp/devUsers.js';
import type { Gateway } from '../../src/server.js';
import { hasChromium, launchChromium, popupFrom, shooter, totpCode } from '../helpers/chromium.js';
import { startDevGateway } from '../helpers/devGateway.js';
import { postGraphQL, transferApproval } from '../helpers/gateway.js';

const alice = DEV_USERS['alice']!;
/** A code of alice's authenticator `offset` steps from now: each sign-in of a test needs a later one. */
const code = (offset: -1 | 0 | 1) => totpCode(alice.totpSecret, offset);
const OWNERS = '{ repositories { name owner { login } } }';

/** The café in Chromium: the demo app on its own origin, the gateway and its provider on another. */
describe.skipIf(!hasChromium)('the café scene in Chromium', () => {
  let browser: Browser;
  let gateway: Gateway;
  let context: BrowserContext;
  /** The parameters of each authorization request the popups sent to the provider. */
  let authorizations: Array<Record<string, string>>;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  // Each test starts from the seeded data (alice owns gut and website) and a provider with no session.
  beforeEach(async () => {
    gateway = await startDevGateway();
    context = await browser.newContext({ viewport: { width: 960, height: 640 } });
    authorizations = [];
    context.on('request', (request) => {
      const { pathname, searchParams } = new URL(request.url());
      // Plain authorization requests, and pushed ones (RFC 9126 PAR, which the client uses for approvals).
      if (pathname === '/auth' && !searchParams.has('request_uri')) authorizations.push(Object.fromEntries(searchParams));
      if (pathname === '/request' && request.method() === 'POST') authorizations.push(Object.fromEntries(new URLSearchParams(request.postData() ?? '')));
    });
  });
  afterEach(async () => {
    await context?.close();
    await gateway?.close();
  });

  const owners = async () =>
    Object.fromEntries(
      ((await postGraphQL(gateway.url, OWNERS)).body.data as { repositories: Array<{ name: string; owner: { login: string } }> }).repositories.map((r) => [
        r.name,
        r.owner.login,
      ]),
    );

  /** The café's sign-in, three months ago: password, remember me, a one-time code, back-dated 90 days. */
  const signInThreeMonthsAgo = async (page: Page, snap: (page: Page, step: string) => Promise<unknown>) => {
    const popup = await popupFrom(page, '#signin');
    await popup.fill('input[name=username]', 'alice');
    await popup.fill('input[name=password]', alice.password);
    await popup.check('input[name=remember]');
    await popup.fill('input[name=days_ago]', '90');
    await snap(popup, 'provider-sign-in-90-days-ago');
    await popup.click('button[type=submit]');
    await popup.fill('input[name=otp]', await code(-1));
    await Promise.all([popup.waitForEvent('close'), popup.click('button[type=submit]')]);
    await page.waitForSelector('#banner.decayed');
  };

  it('turns an old gold session into browsing, a password for the email, an approved login for one transfer, another for the next', async () => {
    const snap = shooter('cafe');
    const page = await context.newPage();
    // Fake timers running at the real pace, so that the banner can be shown five minutes later.
    await page.clock.install();
    const calls: Array<Promise<string>> = [];
    page.on('request', (request) => {
      if (request.url() === gateway.url) calls.push(request.headerValue('origin').then((origin) => `${request.method()} ${origin}`));
    });
    await page.goto(gateway.demoUrl!);
    await page.waitForSelector('#repositories li');
    expect(await page.textContent('#who')).toContain('Not signed in');
    await snap(page, 'anonymous-browsing');

    // 1. The café: alice's remembered gold sign-in from three months ago decays to LOW.
    await signInThreeMonthsAgo(page, snap);
    expect(await page.textContent('#banner')).toContain('Signed in 3 months ago: sensitive actions will ask you to confirm it is you.');
    expect(await page.getAttribute('#banner', 'data-level')).toBe('LOW');
    // Public repositories still browse, with the owner's settings links.
    await page.waitForSelector('li[data-name=gut] a.settings');
    expect(await page.locator('#repositories li').count()).toBe(3);
    await snap(page, 'cafe-decayed-session');

    // 2. The email (MEDIUM within 12 h): "Confirm it's you" opens the provider, which asks for the password only.
    await page.click('#show-email');
    await page.waitForSelector('#confirm:not([hidden])');
    expect(await page.textContent('#confirm-why')).toBe("Confirm it's you to see your email: enter your password (a sign-in at most 12 h old).");
    await snap(page, 'confirm-for-email');
    let popup = await popupFrom(page, '#confirm-go');
    expect(authorizations.at(-1)).toMatchObject({ acr_values: 'urn:mace:incommon:iap:silver urn:mace:incommon:iap:gold', max_age: '43200' });
    await popup.fill('input[name=username]', 'alice');
    await popup.fill('input[name=password]', alice.password);
    await snap(popup, 'provider-password-for-email');
    await Promise.all([popup.waitForEvent('close'), popup.click('button[type=submit]')]);
    await page.waitForFunction(() => document.getElementById('email')!.textContent === 'alice@guthib.example');
    expect(await page.getAttribute('#banner', 'data-level')).toBe('MEDIUM');
    expect(await page.textContent('#banner')).toMatch(/^Signed in just now: MEDIUM for another (12 h|11 h 59 min)\./);
    await snap(page, 'email-shown');

    // 3. The repository's admin page, and the transfer (HIGH within 300 s): password and a one-time code.
    await page.click('li[data-name=gut] a.settings');
    await page.waitForSelector('#transfer');
    await snap(page, 'admin-page');
    await page.click('#transfer');
    await page.waitForSelector('#confirm:not([hidden])');
    expect(await page.textContent('#confirm-why')).toBe(
      'To transfer alice/gut to bob, approve exactly this at the provider: it shows you the transfer; enter your password and a one-time code.',
    );
    await snap(page, 'confirm-for-transfer');
    popup = await popupFrom(page, '#confirm-go');
    expect(authorizations.at(-1)).toMatchObject({
      acr_values: 'urn:mace:incommon:iap:gold',
      max_age: '300',
      prompt: 'login',
      authorization_details: JSON.stringify([transferApproval('Repository:1', 'bob')]),
    });
    // The provider shows alice the transaction itself, beside the password.
    expect(await popup.textContent('.approval')).toBe('Approve: Transfer repository ownershipnew owner: bobrepository id: Repository:1');
    await snap(popup, 'provider-approve-transfer');
    await popup.fill('input[name=username]', 'alice');
    await popup.fill('input[name=password]', alice.password);
    await popup.click('button[type=submit]');
    await popup.waitForSelector('input[name=otp]');
    await snap(popup, 'provider-one-time-code');
    await popup.fill('input[name=otp]', await code(0));
    await Promise.all([popup.waitForEvent('close'), popup.click('button[type=submit]')]);
    await page.waitForFunction(() => document.getElementById('result')!.textContent!.startsWith('Done'));
    expect(await page.textContent('#result')).toBe('Done: alice/gut now belongs to bob.');
    expect(await page.getAttribute('#banner', 'data-level')).toBe('HIGH');
    expect((await owners())['gut']).toBe('bob');
    await snap(page, 'transferred');

    // 4. A second transfer with the same, seconds-old gold sign-in: it approved gut only, so this one needs its
    // own approval, with a new login. auth_time has one-second resolution: the new login must land in a later second.
    await page.waitForTimeout(1_100);
    await page.goto(`${gateway.demoUrl!}#/alice/website/settings`);
    await page.click('#transfer');
    await page.waitForSelector('#confirm:not([hidden])');
    expect(await page.textContent('#confirm-why')).toBe(
      'To transfer alice/website to bob, approve exactly this at the provider: it shows you the transfer; enter your password and a one-time code.',
    );
    await snap(page, 'confirm-again-for-second-transfer');
    popup = await popupFrom(page, '#confirm-go');
    expect(authorizations.at(-1)).toMatchObject({
      acr_values: 'urn:mace:incommon:iap:gold',
      prompt: 'login',
      authorization_details: JSON.stringify([transferApproval('Repository:2', 'bob')]),
    });
    expect(await popup.textContent('.approval')).toContain('repository id: Repository:2');
    // The provider's gold session is seconds old, and still it asks for the password and a new code.
    await popup.fill('input[name=username]', 'alice');
    await popup.fill('input[name=password]', alice.password);
    await popup.click('button[type=submit]');
    await popup.fill('input[name=otp]', await code(1));
    await Promise.all([popup.waitForEvent('close'), popup.click('button[type=submit]')]);
    await page.waitForFunction(() => document.getElementById('result')!.textContent!.startsWith('Done'));
    expect(await page.textContent('#result')).toBe('Done: alice/website now belongs to bob.');
    expect(await owners()).toEqual({ gut: 'bob', website: 'bob', dotfiles: 'bob' });

    // 5. The banner follows the decay: five minutes and a second later, gold counts as MEDIUM.
    expect(await page.textContent('#banner')).toMatch(/^Signed in just now: HIGH for another (5 min|4 min 5\d s)\./);
    await page.clock.fastForward('05:01');
    await page.waitForFunction(() => document.getElementById('banner')!.dataset['level'] === 'MEDIUM');
    expect(await page.textContent('#banner')).toMatch(/^Signed in 5 min \d+ s ago: sensitive actions will ask you to confirm it is you\./);
    await snap(page, 'banner-five-minutes-later');

    // 6. Sign-out at the provider comes back to the page.
    await page.click('#signout');
    await page.waitForSelector('button[value=yes]');
    await snap(page, 'provider-sign-out');
    await page.click('button[value=yes]');
    await page.waitForURL(gateway.demoUrl!);
    await page.waitForSelector('#repositories li');
    expect([await page.textContent('#notice'), await page.textContent('#who')]).toEqual(['You are signed out.', 'Not signed in Sign in']);
    await snap(page, 'signed-out');

    // Every GraphQL call came from the demo's origin, another one than the gateway's, and was answered.
    const demoOrigin = new URL(gateway.demoUrl!).origin;
    expect(demoOrigin).not.toBe(new URL(gateway.url).origin);
    expect(new Set(await Promise.all(calls))).toEqual(new Set([`POST ${demoOrigin}`]));
  }, 60_000);

  it('leaves the repository with its owner when the one-time code is wrong and the sign-in is cancelled', async () => {
    const snap = shooter('no-code');
    const page = await context.newPage();
    await page.goto(gateway.demoUrl!);
    await signInThreeMonthsAgo(page, async () => undefined);
    await page.click('li[data-name=gut] a.settings');
    await page.click('#transfer');
    const popup = await popupFrom(page, '#confirm-go');
    await popup.fill('input[name=username]', 'alice');
    await popup.fill('input[name=password]', alice.password);
    await popup.click('button[type=submit]');
    await popup.fill('input[name=otp]', (await code(0)) === '000000' ? '999999' : '000000');
    await popup.click('button[type=submit]');
    await popup.waitForSelector('.error');
    expect(await popup.textContent('.error')).toBe('That code is not valid. Try the current one.');
    await snap(popup, 'provider-wrong-code');
    await Promise.all([popup.waitForEvent('close'), popup.click('button.link')]);
    await page.waitForFunction(() => document.getElementById('result')!.textContent!.startsWith('Not transferred'));
    expect(await page.textContent('#result')).toBe(
      "Not transferred: you did not confirm it's you (STEP_UP_CANCELLED: The provider answered access_denied: End-User aborted the sign-in).",
    );
    await snap(page, 'not-transferred');
    expect((await owners())['gut']).toBe('alice');
  }, 60_000);

  it('refuses a transfer whose new owner a page script swapped after alice approved it, and gut keeps its owner', async () => {
    const snap = shooter('swapped');
    const page = await context.newPage();
    // A script in the page (or anything on the way) rewrites the transfer that carries the approved token: bob becomes mallory.
    let swapped = 0;
    await page.route(gateway.url, async (route) => {
      const request = route.request();
      const body = request.postData() ?? '';
      const token = (await request.headerValue('authorization'))?.slice('Bearer '.length);
      const approved = token !== undefined && JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString() || '{}')['authorization_details'];
      if (!body.includes('transferRepositoryOwnership') || !approved) return route.continue();
      swapped++;
      return route.continue({ postData: body.replace('"to":"bob"', '"to":"mallory"') });
    });
    await page.goto(gateway.demoUrl!);
    await signInThreeMonthsAgo(page, async () => undefined);
    await page.click('li[data-name=gut] a.settings');
    await page.click('#transfer');
    const popup = await popupFrom(page, '#confirm-go');
    expect(await popup.textContent('.approval')).toContain('new owner: bob');
    await popup.fill('input[name=username]', 'alice');
    await popup.fill('input[name=password]', alice.password);
    await popup.click('button[type=submit]');
    await popup.fill('input[name=otp]', await code(0));
    await Promise.all([popup.waitForEvent('close'), popup.click('button[type=submit]')]);
    await page.waitForFunction(() => document.getElementById('result')!.textContent!.startsWith('Not transferred'));
    expect(await page.textContent('#result')).toBe(
      'Not transferred: The user must approve this call of Mutation.transferRepositoryOwnership (authorization_details in the access token)',
    );
    await snap(page, 'swapped-refused');
    expect([swapped, (await owners())['gut']]).toEqual([1, 'alice']);
  }, 60_000);
});
