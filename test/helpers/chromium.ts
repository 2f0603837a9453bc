import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { authenticator } from 'otplib';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it), driven through playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn('Debian chromium is not installed: `apt-get install chromium` (or run .ci/run) to run the browser tests');

/** Screenshots of every step (git-ignored): test/browser/artifacts/<test>-<n>-<step>.png. */
const ARTIFACTS = fileURLToPath(new URL('../browser/artifacts/', import.meta.url));

export function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Saves a screenshot of `page` as `<test>-<n>-<step>.png`, numbering the steps of one test. */
export function shooter(test: string): (page: Page, step: string) => Promise<unknown> {
  let n = 0;
  return (page, step) => page.screenshot({ path: `${ARTIFACTS}${test}-${String(++n).padStart(2, '0')}-${step}.png` });
}

/** Clicks what opens the provider's popup, and returns the popup once loaded. */
export async function popupFrom(page: Page, selector: string): Promise<Page> {
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click(selector)]);
  await popup.waitForLoadState();
  return popup;
}

/**
 * A code of the authenticator with `secret`, `offset` 30 s steps from now: each sign-in of a test needs a later
 * one (the provider accepts a code once). Entered near the end of a step, a code can reach the provider in the
 * next one, a step too far: then this waits for the next step first.
 */
export async function totpCode(secret: string, offset: -1 | 0 | 1 = 0): Promise<string> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < 5_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
  return authenticator.clone({ epoch: Date.now() + offset * 30_000 }).generate(secret);
}
