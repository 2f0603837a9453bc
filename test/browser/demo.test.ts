import { authenticator } from 'otplib';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEV_USERS } from '../../src/idp/devUsers.js';
import type { Gateway } from '../../src/server.js';
import { hasChromium, launchChromium } from '../helpers/chromium.js';
import { startDevGateway } from '../helpers/devGateway.js';
import { transferApproval } from '../helpers/gateway.js';

/** The gateway's own protocol page (`/` in dev mode, same origin, raw challenges), in real Chromium. The café app is cafe.test.ts. */
describe.skipIf(!hasChromium)('the protocol page at the gateway in Chromium', () => {
  let gateway: Gateway;
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  // A gateway per test: each starts from the seeded data (alice owns gut and website) and a fresh provider.
  beforeEach(async () => {
    gateway = await startDevGateway();
  });
  afterEach(async () => {
    await gateway?.close();
  });

  it('signs in as alice, meets the challenge, steps up with TOTP and transfers the repository', async () => {
    const page = await browser.newPage();
    const home = `${gateway.issuer}/`;
    await page.goto(home);
    await page.click('#signin');
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', DEV_USERS['alice']!.password);
    await page.click('button[type=submit]');
    await page.waitForURL(home);
    await page.waitForFunction(() => document.getElementById('who')!.textContent!.includes('silver'));

    await page.click('[data-op=transfer]');
    await page.waitForSelector('#challenge:not([hidden])');
    expect(await page.textContent('#why')).toContain('acr_values urn:mace:incommon:iap:gold, max_age 300');

    await page.click('#stepup');
    // The provider shows the transaction beside the password: the transfer of Repository:1 to bob.
    expect(await page.textContent('.approval')).toBe('Approve: Transfer repository ownershipnew owner: bobrepository id: Repository:1');
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', DEV_USERS['alice']!.password);
    await page.click('button[type=submit]');
    await page.fill('input[name=otp]', authenticator.generate(DEV_USERS['alice']!.totpSecret));
    await page.click('button[type=submit]');
    await page.waitForURL(home);
    await page.waitForFunction(() => document.getElementById('out')!.textContent!.startsWith('HTTP 200'));

    expect(await page.textContent('#who')).toContain('acr urn:mace:incommon:iap:gold');
    expect(await page.textContent('#out')).toContain('"login": "bob"');
  }, 60_000);

  it('asks a fresh gold session to sign in again and approve a second transfer, and then transfers', async () => {
    const page = await browser.newPage();
    const home = `${gateway.issuer}/`;
    const signInWithTotp = async (totpAt: number) => {
      await page.fill('input[name=username]', 'alice');
      await page.fill('input[name=password]', DEV_USERS['alice']!.password);
      await page.click('button[type=submit]');
      await page.fill('input[name=otp]', authenticator.clone({ epoch: totpAt }).generate(DEV_USERS['alice']!.totpSecret));
      await page.click('button[type=submit]');
      await page.waitForURL(home);
    };
    await page.goto(home);
    await page.click('#signin');
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', DEV_USERS['alice']!.password);
    await page.click('button[type=submit]');
    await page.waitForURL(home);
    await page.waitForFunction(() => document.getElementById('who')!.textContent!.includes('silver'));
    await page.click('[data-op=transfer]');
    await page.waitForSelector('#challenge:not([hidden])');
    await page.click('#stepup');
    await signInWithTotp(Date.now());
    await page.waitForFunction(() => document.getElementById('out')!.textContent!.startsWith('HTTP 200'));

    // The same fresh gold token for another repository: it approved gut only. The page asks for this approval.
    await page.click('[data-op=transferWebsite]');
    await page.waitForFunction(() => document.getElementById('out')!.textContent!.includes('insufficient_authorization'));
    expect(await page.textContent('#why')).toMatch(
      /^The gateway asks you to approve this call at the provider \(\[\{"newOwner":"bob","repositoryId":"Repository:2"\}\]\)/,
    );

    // A new authorization request that forces a new login with the approval in view: the provider asks for the
    // password and a code again although its gold session is seconds old. auth_time has one-second resolution:
    // the new login must land in a later second to be a new authentication.
    await page.waitForTimeout(1_100);
    const [authorization] = await Promise.all([page.waitForRequest((request) => new URL(request.url()).pathname === '/auth'), page.click('#stepup')]);
    expect(Object.fromEntries(new URL(authorization.url()).searchParams)).toMatchObject({
      acr_values: 'urn:mace:incommon:iap:gold',
      max_age: '300',
      prompt: 'login',
      authorization_details: JSON.stringify([transferApproval('Repository:2', 'bob')]),
    });
    await page.waitForSelector('input[name=password]');
    await signInWithTotp(Date.now() + 30_000); // the current code is spent: the next one (window ±1)
    await page.waitForFunction(() => document.getElementById('out')!.textContent!.startsWith('HTTP 200'));
    expect(await page.textContent('#out')).toContain('"name": "website"');
  }, 60_000);
});
