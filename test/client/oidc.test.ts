import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assertStepUpSatisfied,
  createOidcStepUp,
  createStepUpFetch,
  handlePopupCallback,
  StepUpError,
  StepUpNotSatisfied,
  type OidcStepUpOptions,
  type StepUpRequest,
  type StepUpTokens,
  type WindowLike,
} from '../../src/client/index.js';
import { GOLD, SILVER, startHarness } from '../helpers/gateway.js';
import { fakeWindow, startProvider } from './provider.js';

const CLIENT_ID = 'guthib-web';
const REDIRECT_URI = 'http://app.test/callback';
const seconds = () => Math.floor(Date.now() / 1000);

let provider: Awaited<ReturnType<typeof startProvider>>;
beforeEach(async () => {
  provider = await startProvider(CLIENT_ID);
});
afterEach(() => provider.close());

const goldStepUp = (fields: Partial<StepUpRequest> = {}): StepUpRequest => ({
  kind: 'step-up',
  acrValues: [GOLD],
  maxAge: 300,
  requiredAcr: 'HIGH',
  forceLogin: false,
  operations: [],
  ...fields,
});

function popupStepUp(window: WindowLike, extra: Partial<OidcStepUpOptions> = {}) {
  const tokens: StepUpTokens[] = [];
  const oidc = createOidcStepUp({
    issuer: provider.issuer,
    clientId: CLIENT_ID,
    redirectUri: REDIRECT_URI,
    mode: 'popup',
    allowInsecureRequests: true,
    window,
    popup: { pollMs: 10 },
    onTokens: (set) => void tokens.push(set),
    ...extra,
  });
  return { oidc, tokens };
}

describe('the authorization request', () => {
  it('sends acr_values, max_age and a PKCE S256 challenge, without prompt', async () => {
    const page = fakeWindow();
    void popupStepUp(page.win)
      .oidc.stepUp(goldStepUp())
      .catch(() => undefined);
    const url = await page.nextOpened();
    page.popup.close();
    const params = Object.fromEntries(url.searchParams);
    expect([`${url.origin}${url.pathname}`, params]).toEqual([
      `${provider.issuer}/authorize`,
      {
        client_id: CLIENT_ID,
        redirect_uri: REDIRECT_URI,
        response_type: 'code',
        scope: 'openid',
        state: expect.any(String),
        nonce: expect.any(String),
        code_challenge: expect.stringMatching(/^[\w-]{43}$/),
        code_challenge_method: 'S256',
        acr_values: GOLD,
        max_age: '300',
      },
    ]);
  });

  it('adds prompt=login and max_age=0 for a forced new login', async () => {
    const page = fakeWindow();
    void popupStepUp(page.win)
      .oidc.stepUp(goldStepUp({ maxAge: 0, forceLogin: true }))
      .catch(() => undefined);
    const url = await page.nextOpened();
    page.popup.close();
    expect([url.searchParams.get('prompt'), url.searchParams.get('max_age')]).toEqual(['login', '0']);
  });

  it('sends the resource indicator to both endpoints', async () => {
    const page = fakeWindow();
    const done = popupStepUp(page.win, { resource: 'https://api.guthib.example' }).oidc.stepUp(goldStepUp());
    const url = await page.nextOpened();
    page.post('http://app.test', { type: 'step-up-gateway:callback', url: provider.authorize(url, { acr: GOLD, auth_time: seconds() }).href });
    await done;
    expect([url.searchParams.get('resource'), provider.tokenRequests[0]?.get('resource')]).toEqual([
      'https://api.guthib.example',
      'https://api.guthib.example',
    ]);
  });
});

describe('a popup step-up', () => {
  it('hands the tokens to the app when the ID token says gold, recently', async () => {
    const page = fakeWindow();
    const { oidc, tokens } = popupStepUp(page.win);
    const done = oidc.stepUp(goldStepUp());
    const url = await page.nextOpened();
    page.post('http://app.test', {
      type: 'step-up-gateway:callback',
      url: provider.authorize(url, { acr: GOLD, auth_time: seconds() - 10, accessToken: 'gold-token' }).href,
    });
    await done;
    expect([tokens.map((set) => [set.accessToken, set.idTokenClaims.acr]), page.popup.closed]).toEqual([[['gold-token', GOLD]], true]);
  });

  it('ignores a message from another origin', async () => {
    const page = fakeWindow();
    const { oidc, tokens } = popupStepUp(page.win);
    const done = oidc.stepUp(goldStepUp());
    const url = await page.nextOpened();
    page.post('http://evil.test', { type: 'step-up-gateway:callback', url: provider.authorize(url, { acr: GOLD, auth_time: seconds() }).href });
    page.popup.close();
    await expect(done).rejects.toMatchObject({ code: 'STEP_UP_CANCELLED' });
    expect(tokens).toEqual([]);
  });

  it('takes the answer from the callback page through its BroadcastChannel when the opener is gone', async () => {
    const page = fakeWindow();
    const { oidc, tokens } = popupStepUp(page.win);
    const done = oidc.stepUp(goldStepUp());
    const callback = provider.authorize(await page.nextOpened(), { acr: GOLD, auth_time: seconds() });
    const popupPage = fakeWindow();
    handlePopupCallback({ ...popupPage.win, location: { href: callback.href, origin: callback.origin, assign: () => undefined }, opener: null });
    await done;
    expect(tokens).toHaveLength(1);
  });

  it('refuses an ID token below the requested acr with StepUpNotSatisfied, and keeps no token', async () => {
    const page = fakeWindow();
    const { oidc, tokens } = popupStepUp(page.win);
    const done = oidc.stepUp(goldStepUp());
    const url = await page.nextOpened();
    page.post('http://app.test', { type: 'step-up-gateway:callback', url: provider.authorize(url, { acr: SILVER, auth_time: seconds() }).href });
    await expect(done).rejects.toMatchObject({ name: 'StepUpNotSatisfied', code: 'STEP_UP_NOT_SATISFIED', acr: SILVER });
    expect(tokens).toEqual([]);
  });

  it('refuses an ID token whose auth_time is older than max_age', async () => {
    const page = fakeWindow();
    const done = popupStepUp(page.win).oidc.stepUp(goldStepUp({ maxAge: 60 }));
    const url = await page.nextOpened();
    page.post('http://app.test', { type: 'step-up-gateway:callback', url: provider.authorize(url, { acr: GOLD, auth_time: seconds() - 3600 }).href });
    await expect(done).rejects.toBeInstanceOf(StepUpNotSatisfied);
  });

  it('refuses a forced login answered from the provider’s session (auth_time before the step-up)', async () => {
    const page = fakeWindow();
    const done = popupStepUp(page.win).oidc.stepUp(goldStepUp({ maxAge: 0, forceLogin: true }));
    const url = await page.nextOpened();
    page.post('http://app.test', { type: 'step-up-gateway:callback', url: provider.authorize(url, { acr: GOLD, auth_time: seconds() - 600 }).href });
    await expect(done).rejects.toMatchObject({ code: 'STEP_UP_NOT_SATISFIED' });
  });

  it('reports a provider error as STEP_UP_CANCELLED', async () => {
    const page = fakeWindow();
    const done = popupStepUp(page.win).oidc.stepUp(goldStepUp());
    page.post('http://app.test', { type: 'step-up-gateway:callback', url: provider.refuse(await page.nextOpened(), 'access_denied').href });
    await expect(done).rejects.toMatchObject({ code: 'STEP_UP_CANCELLED', message: 'The provider answered access_denied' });
  });

  it('rejects with POPUP_BLOCKED when the browser refuses the window', async () => {
    const page = fakeWindow();
    page.block();
    await expect(popupStepUp(page.win).oidc.stepUp(goldStepUp())).rejects.toEqual(
      new StepUpError('POPUP_BLOCKED', 'The browser blocked the sign-in popup; start the step-up from a click'),
    );
  });

  it('waits for beforePopup before opening the window', async () => {
    const page = fakeWindow();
    let click: () => void = () => undefined;
    const done = popupStepUp(page.win, { beforePopup: () => new Promise<void>((resolve) => (click = resolve)) })
      .oidc.stepUp(goldStepUp())
      .catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = page.opened.length;
    click();
    await page.nextOpened();
    page.popup.close();
    await done;
    expect(before).toBe(0);
  });
});

describe('popup step-ups asked at the same time (the HTTP client and the subscriptions share the adapter)', () => {
  const silverStepUp = (): StepUpRequest => goldStepUp({ acrValues: [SILVER, GOLD], maxAge: 43_200, requiredAcr: 'MEDIUM' });
  const asking = () => {
    const asked: StepUpRequest[] = [];
    const clicks: Array<() => void> = [];
    const beforePopup = (request: StepUpRequest) => new Promise<void>((resolve) => void (asked.push(request), clicks.push(resolve)));
    return { asked, clicks, beforePopup };
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

  it('opens one window for a request the step-up in flight covers, and both end with it', async () => {
    const page = fakeWindow();
    const { asked, clicks, beforePopup } = asking();
    const { oidc } = popupStepUp(page.win, { beforePopup });
    const outcomes = [oidc.stepUp(goldStepUp()), oidc.stepUp(silverStepUp())].map((done) =>
      done.then(
        () => 'done',
        (error: StepUpError) => error.code,
      ),
    );
    await settle();
    clicks[0]!();
    await page.nextOpened();
    page.popup.close();
    expect(await Promise.all(outcomes)).toEqual(['STEP_UP_CANCELLED', 'STEP_UP_CANCELLED']);
    expect([asked.length, page.opened.length]).toEqual([1, 0]);
  });

  it('asks for a request the step-up in flight does not cover only once that one has ended', async () => {
    const page = fakeWindow();
    const { asked, clicks, beforePopup } = asking();
    const { oidc } = popupStepUp(page.win, { beforePopup });
    const first = oidc.stepUp(silverStepUp()).catch(() => undefined);
    const second = oidc.stepUp(goldStepUp()).catch(() => undefined);
    await settle();
    const whileFirst = asked.map((request) => request.requiredAcr);
    clicks[0]!();
    await page.nextOpened();
    page.popup.close();
    await first;
    await settle();
    expect([whileFirst, asked.map((request) => request.requiredAcr)]).toEqual([['MEDIUM'], ['MEDIUM', 'HIGH']]);
    page.popup.closed = false;
    clicks[1]!();
    await page.nextOpened();
    page.popup.close();
    await second;
  });
});

describe('a redirect step-up', () => {
  it('saves the waiting operations, then replays each once against the gateway after the return', async () => {
    const h = await startHarness();
    try {
      // One instant for the gateway's fixed clock and every token: a second ticking by must not make auth_time future.
      const now = seconds();
      h.setNow(now);
      const storage = new Map<string, string>();
      const page = fakeWindow();
      let token: string | undefined = await h.issuer.sign({ acr: SILVER, auth_time: now });
      const options = {
        issuer: provider.issuer,
        clientId: CLIENT_ID,
        redirectUri: REDIRECT_URI,
        mode: 'redirect' as const,
        allowInsecureRequests: true,
        window: page.win,
        storage: {
          getItem: (key: string) => storage.get(key) ?? null,
          setItem: (key: string, value: string) => void storage.set(key, value),
          removeItem: (key: string) => void storage.delete(key),
        },
        onTokens: (set: StepUpTokens) => void (token = set.accessToken),
      };
      const before = createOidcStepUp(options);
      const stepUpFetch = createStepUpFetch({ accessToken: () => token, stepUp: before.stepUp });
      const mutation = (email: string) =>
        stepUpFetch(h.gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: 'mutation($e: String!) { updateEmail(email: $e) { email } }', variables: { e: email } }),
        });
      void mutation('one@new.example');
      void mutation('two@new.example');
      const url = await page.nextNavigation();

      // The page has left; a new page load makes a new client with the same storage.
      const after = createOidcStepUp(options);
      const callback = provider.authorize(url, { acr: GOLD, auth_time: now, accessToken: await h.issuer.sign({ acr: GOLD, auth_time: now }) });
      const completed = await after.completeRedirect(callback);
      const answers = await Promise.all((completed?.resumed ?? []).map(async ({ response }) => [response.status, await response.json()]));
      const again = await after.completeRedirect(callback);
      // The two replays run concurrently and may finish in either order: compare them sorted by their text
      // (a plain sort() compares "200,[object Object]" to itself and keeps the order they finished in).
      const sorted = answers
        .map((answer) => JSON.stringify(answer))
        .sort()
        .map((text) => JSON.parse(text) as unknown);
      expect([sorted, again, storage.size]).toEqual([
        [
          [200, { data: { updateEmail: { email: 'one@new.example' } } }],
          [200, { data: { updateEmail: { email: 'two@new.example' } } }],
        ],
        undefined,
        0,
      ]);
    } finally {
      await h.close();
    }
  });
});

describe('assertStepUpSatisfied', () => {
  const at = { startedAt: 1000, now: 1010, clockSkew: 5 };

  it('accepts gold authenticated exactly max_age seconds ago', () => {
    expect(() => assertStepUpSatisfied(goldStepUp({ maxAge: 300 }), { acr: GOLD, auth_time: 710 }, at)).not.toThrow();
  });

  it('refuses gold authenticated max_age plus skew plus one second ago', () => {
    expect(() => assertStepUpSatisfied(goldStepUp({ maxAge: 300 }), { acr: GOLD, auth_time: 704 }, at)).toThrow(StepUpNotSatisfied);
  });

  it('refuses an ID token without auth_time when max_age was asked', () => {
    expect(() => assertStepUpSatisfied(goldStepUp(), { acr: GOLD }, at)).toThrow('The provider did not say when the user authenticated (no auth_time)');
  });

  it('accepts any acr for a sign-in that asked none', () => {
    expect(() => assertStepUpSatisfied({ kind: 'sign-in', forceLogin: false }, { acr: 'urn:other' }, at)).not.toThrow();
  });
});

describe('createOidcStepUp options', () => {
  it('names a scope without openid with a TypeError', () => {
    expect(() =>
      createOidcStepUp({ issuer: provider.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, mode: 'popup', scope: 'profile', onTokens: () => undefined }),
    ).toThrow(new TypeError('"scope" option must include "openid": the step-up is checked on the ID token'));
  });
});
