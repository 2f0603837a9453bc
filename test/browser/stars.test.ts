import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mintDevToken } from '../../src/auth/devIssuer.js';
import { DEV_USERS } from '../../src/idp/devUsers.js';
import type { Gateway } from '../../src/server.js';
import { hasChromium, launchChromium, popupFrom, shooter, totpCode } from '../helpers/chromium.js';
import { startDevGateway } from '../helpers/devGateway.js';
import { postGraphQL } from '../helpers/gateway.js';

const alice = DEV_USERS['alice']!;
/** MEDIUM lasts this long here, so that the test watches it decay; the example's ladder says 12 h. */
const MEDIUM_MAX_AGE = 12;

/**
 * The demo app's "Stars on your repositories" panel in Chromium: a subscription through the gateway's
 * WebSocket, behind Apollo Client's `GraphQLWsLink` and `createStepUpSubscriptions`, that the gateway ends
 * when the level decays, and that goes on after "Confirm it's you".
 */
describe.skipIf(!hasChromium)('the stars feed in Chromium', () => {
  let browser: Browser;
  let gateway: Gateway;
  let context: BrowserContext;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    gateway = await startDevGateway({
      file: {
        ladder: [
          { name: 'LOW', acr: 'urn:mace:incommon:iap:bronze' },
          { name: 'MEDIUM', acr: 'urn:mace:incommon:iap:silver', maxAge: MEDIUM_MAX_AGE },
          { name: 'HIGH', acr: 'urn:mace:incommon:iap:gold', maxAge: MEDIUM_MAX_AGE },
        ],
        subscriptions: { recheckSeconds: 1 },
      },
    });
    context = await browser.newContext({ viewport: { width: 960, height: 760 } });
  });
  afterEach(async () => {
    await context?.close();
    await gateway?.close();
  });

  /** Bob stars one of alice's repositories, over HTTP with a token of his own. */
  const bobStars = async (id: string) => {
    const now = Math.floor(Date.now() / 1000);
    const token = await mintDevToken(gateway.devKey!, {
      issuer: gateway.issuer,
      audience: 'guthib-api',
      subject: 'bob',
      acr: 'urn:mace:incommon:iap:bronze',
      authTime: now,
      now,
      ttl: 300,
    });
    const { body } = await postGraphQL(gateway.url, `mutation { starRepository(id: "${id}") { stars } }`, { token });
    expect(body.errors).toBeUndefined();
  };
  /** The café's sign-in: gold three months ago, so that the level is LOW and the feed asks at once. */
  const signInLongAgo = async (page: Page) => {
    const popup = await popupFrom(page, '#signin');
    await popup.fill('input[name=username]', 'alice');
    await popup.fill('input[name=password]', alice.password);
    await popup.fill('input[name=days_ago]', '90');
    await popup.click('button[type=submit]');
    await popup.fill('input[name=otp]', await totpCode(alice.totpSecret));
    await Promise.all([popup.waitForEvent('close'), popup.click('button[type=submit]')]);
    await page.waitForSelector('#banner.decayed');
  };
  /** Answers the app's "Confirm it's you" with the password in the provider's popup. */
  const confirmWithPassword = async (page: Page) => {
    const popup = await popupFrom(page, '#confirm-go');
    await popup.fill('input[name=username]', 'alice');
    await popup.fill('input[name=password]', alice.password);
    await Promise.all([popup.waitForEvent('close'), popup.click('button[type=submit]')]);
  };
  const starsSeen = (page: Page) => page.locator('#stars li').allTextContents();
  /** The app, signed in three months ago (LOW), after "Watch stars": the gateway refused, and the dialog asks. */
  const watchAtLow = async () => {
    const page = await context.newPage();
    await page.goto(gateway.demoUrl!);
    await page.waitForSelector('#repositories li');
    await signInLongAgo(page);
    await page.click('#watch-stars');
    await page.waitForSelector('#confirm:not([hidden])');
    return page;
  };

  it('asks to confirm it is you, shows the stars, stops when the level decays, and goes on after the password', async () => {
    const snap = shooter('stars');
    // LOW cannot watch: the gateway refuses the subscription, the panel pauses and asks.
    const page = await watchAtLow();
    expect(await page.textContent('#confirm-why')).toBe(
      `Confirm it's you to keep watching the stars on your repositories: enter your password (a sign-in at most ${MEDIUM_MAX_AGE} s old).`,
    );
    expect(await page.textContent('#stars-status')).toBe(
      `Paused: the stars need a sign-in at level MEDIUM at most ${MEDIUM_MAX_AGE} s old. Confirm it's you to go on.`,
    );
    await snap(page, 'confirm-to-watch');
    await confirmWithPassword(page);
    await page.waitForSelector('#stars-status[data-state=watching]');
    const confirmedAt = Date.now();

    // Bob stars alice/gut: the event arrives, and the list above shows the new count.
    await bobStars('Repository:1');
    await page.waitForSelector('#stars li');
    expect(await starsSeen(page)).toEqual(['bob starred alice/gut · ★ 43']);
    expect(await page.textContent('li[data-name=gut] .stars')).toBe('43');
    await snap(page, 'a-star-arrives');

    // MEDIUM_MAX_AGE seconds after the password, the gateway ends the feed; the panel pauses and asks again.
    await page.waitForSelector('#stars-status[data-state=paused]', { timeout: (MEDIUM_MAX_AGE + 10) * 1000 });
    expect(Date.now() - confirmedAt).toBeGreaterThanOrEqual(MEDIUM_MAX_AGE * 1000 - 1000);
    await page.waitForSelector('#confirm:not([hidden])');
    await page.waitForSelector('#banner[data-level=LOW]');
    await snap(page, 'decayed-feed-asks');
    await confirmWithPassword(page);
    await page.waitForSelector('#stars-status[data-state=watching]');

    // The feed goes on, on a new socket with the new token.
    await bobStars('Repository:2');
    await page.waitForFunction(() => document.querySelectorAll('#stars li').length === 2);
    expect(await starsSeen(page)).toEqual(['bob starred alice/gut · ★ 43', 'bob starred alice/website · ★ 4']);
    expect(await page.textContent('#stars-status')).toBe('Watching: stars given to your repositories appear here.');
    await snap(page, 'feed-goes-on');
  }, 90_000);

  it('stops the feed, saying why, when the user does not confirm', async () => {
    const page = await watchAtLow();
    await page.click('#confirm-cancel');
    await page.waitForSelector('#stars-status[data-state=stopped]');
    expect(await page.textContent('#stars-status')).toBe(`Stopped: Authentication at level MEDIUM within the last ${MEDIUM_MAX_AGE} seconds is required`);
    expect(await page.textContent('#watch-stars')).toBe('Watch stars');
    // Nothing arrives any more.
    await bobStars('Repository:1');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await starsSeen(page)).toEqual([]);
  }, 60_000);
});
