import * as oauth from 'oauth4webapi';
import { browserWindow, handlePopupCallback, type StorageLike, type WindowLike } from './browser.js';
import { StepUpError, StepUpNotSatisfied } from './errors.js';
import { authorizeInPopup, type PopupOptions } from './popup.js';
import { assertStepUpSatisfied } from './satisfied.js';
import { assertApprovalsGranted } from './approvals.js';
import { covers, type AuthorizationDetail, type FetchLike, type PendingOperation, type StepUpRequest } from './stepUpRequest.js';

/** What a step-up produced. Kept by the app in memory (`onTokens`): never written to storage here. */
export interface StepUpTokens {
  readonly accessToken: string;
  /** The ID token's claims, validated by oauth4webapi (issuer, audience, expiry, nonce) and checked for `acr`/`auth_time`. */
  readonly idTokenClaims: oauth.IDToken;
  /** Seconds since the epoch, from `expires_in`; absent when the provider does not say. */
  readonly expiresAt?: number;
  readonly refreshToken?: string;
  /** RFC 9396 §7: the approvals the token carries, as the token response says; checked to be exactly those asked. */
  readonly authorizationDetails?: readonly AuthorizationDetail[];
}

export interface OidcStepUpOptions {
  /** The OpenID Provider's issuer identifier; its discovery document is read once, on first use. */
  readonly issuer: string | URL;
  /** A public client (`token_endpoint_auth_method: none`, PKCE S256). */
  readonly clientId: string;
  /** Registered at the provider. Popup mode: a page that calls `handlePopupCallback()`; redirect mode: the app's page that calls `completeRedirect()`. */
  readonly redirectUri: string;
  /** Must include `openid`. Default `openid`. */
  readonly scope?: string;
  /** RFC 8707 resource indicator for the gateway's audience, sent to the authorization and token endpoints. */
  readonly resource?: string;
  /** `popup`: the page keeps its state; `redirect`: the page leaves, and `completeRedirect()` resumes the operations. */
  readonly mode: 'popup' | 'redirect';
  /** Redirect mode only: where the PKCE verifier, state, nonce and pending operations wait. Default `sessionStorage`. */
  readonly storage?: StorageLike;
  /** Receives every new token set; the step-up fetch's `accessToken()` should return its `accessToken` from then on. */
  onTokens(tokens: StepUpTokens): void | Promise<void>;
  /**
   * Popup mode: awaited before `window.open`, e.g. a dialog whose button resolves it, because browsers
   * only open popups shortly after a click. Default: open at once.
   */
  beforePopup?(request: StepUpRequest): Promise<void>;
  /** Used for discovery, the token request and redirect-mode replays. Default: the global `fetch`. */
  readonly fetch?: FetchLike;
  /** Lets an `http:` issuer through (a provider on localhost in development). Default `false`. */
  readonly allowInsecureRequests?: boolean;
  /** Seconds of clock difference tolerated when checking `auth_time`. Default 30. */
  readonly clockSkew?: number;
  /** Seconds since the epoch. Default: `Date.now() / 1000`. */
  now?(): number;
  /** The window to open popups from and navigate. Default: the global `window`. */
  readonly window?: WindowLike;
  readonly popup?: PopupOptions;
}

export interface ResumedOperation {
  readonly operation: PendingOperation;
  /** The answer to its one replay, with the new token, as it came. */
  readonly response: Response;
}

export interface OidcStepUp {
  /**
   * The `stepUp` of `createStepUpFetch` and `createStepUpSubscriptions`: authorization code + PKCE with
   * `acr_values`, `max_age`, `prompt=login` when forced. In popup mode one runs at a time, whoever asks: a
   * request that the one in flight covers joins it (one window for both), any other waits for it to end.
   */
  stepUp(request: StepUpRequest): Promise<void>;
  /** A sign-in of the app's own (no operation waiting), with optional requirements. */
  signIn(request?: Partial<Omit<StepUpRequest, 'kind' | 'operations'>>): Promise<void>;
  /**
   * Redirect mode, on the `redirectUri` page: exchanges the code, checks `acr`/`auth_time`, hands the tokens to
   * `onTokens`, and replays each saved operation exactly once. `undefined` when `url` is not the answer to a
   * pending step-up of this client. The app removes `code` and `state` from the address bar.
   */
  completeRedirect(url?: string | URL): Promise<{ tokens: StepUpTokens; resumed: ResumedOperation[] } | undefined>;
  /** Popup mode, on the `redirectUri` page: hands the answer to the opener. */
  handlePopupCallback(): void;
}

/** One authorization request in progress: what checking its answer needs. */
interface Flow {
  readonly codeVerifier: string;
  readonly state: string;
  readonly nonce: string;
  /** What the answer is checked against (without approvals when the provider cannot grant them: a new login instead). */
  request: Omit<StepUpRequest, 'operations'>;
  readonly startedAt: number;
}

const STORAGE_KEY = 'step-up-gateway:pending';

export function createOidcStepUp(options: OidcStepUpOptions): OidcStepUp {
  if (typeof options.clientId !== 'string' || options.clientId === '') throw new TypeError('"clientId" option must be a non-empty string');
  if (typeof options.redirectUri !== 'string' || !isAbsoluteUrl(options.redirectUri)) throw new TypeError('"redirectUri" option must be an absolute URL');
  if (options.mode !== 'popup' && options.mode !== 'redirect') throw new TypeError('"mode" option must be "popup" or "redirect"');
  if (typeof options.onTokens !== 'function') throw new TypeError('"onTokens" option must be a function');
  const scope = options.scope ?? 'openid';
  if (!scope.split(' ').includes('openid')) throw new TypeError('"scope" option must include "openid": the step-up is checked on the ID token');
  const issuer = new URL(options.issuer);
  const client: oauth.Client = { client_id: options.clientId, token_endpoint_auth_method: 'none' };
  const http: oauth.HttpRequestOptions<'GET' | 'POST', URLSearchParams | undefined> = {
    ...(options.fetch === undefined
      ? {}
      : { [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<'GET' | 'POST', URLSearchParams | undefined>) => options.fetch!(url, init) }),
    ...(options.allowInsecureRequests === true ? { [oauth.allowInsecureRequests]: true } : {}),
  };
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const clockSkew = options.clockSkew ?? 30;
  const win = () => browserWindow(options.window, 'createOidcStepUp');
  const storage = () => options.storage ?? win().sessionStorage ?? missingStorage();

  let discovery: Promise<oauth.AuthorizationServer> | undefined;
  const server = () =>
    (discovery ??= oauth
      .discoveryRequest(issuer, http)
      .then((response) => oauth.processDiscoveryResponse(issuer, response))
      .catch((error: unknown) => {
        discovery = undefined;
        throw error;
      }));

  async function begin(request: StepUpRequest): Promise<{ url: URL; flow: Flow }> {
    const as = await server();
    const { operations: _operations, ...asked } = request;
    const flow: Flow = {
      codeVerifier: oauth.generateRandomCodeVerifier(),
      state: oauth.generateRandomState(),
      nonce: oauth.generateRandomNonce(),
      request: asked,
      startedAt: now(),
    };
    if (as.authorization_endpoint === undefined) throw new TypeError(`the discovery document of ${issuer.href} has no authorization_endpoint`);
    const url = new URL(as.authorization_endpoint);
    const params = url.searchParams;
    params.set('client_id', options.clientId);
    params.set('redirect_uri', options.redirectUri);
    params.set('response_type', 'code');
    params.set('scope', scope);
    params.set('state', flow.state);
    params.set('nonce', flow.nonce);
    params.set('code_challenge', await oauth.calculatePKCECodeChallenge(flow.codeVerifier));
    params.set('code_challenge_method', 'S256');
    // RFC 9470 §4 / OIDC Core §3.1.2.1: the challenge's parameters go to the provider as they came.
    if (asked.acrValues !== undefined && asked.acrValues.length > 0) params.set('acr_values', asked.acrValues.join(' '));
    if (asked.maxAge !== undefined) params.set('max_age', String(asked.maxAge));
    // An approval is given by authenticating with the transaction in view (dynamic linking): a new login.
    // A provider that does not list the types as authorization_details_types_supported knows nothing of RFC 9396:
    // the login alone is asked, and the gateway's transaction ticket (if it offers them) stands for the approval.
    const supported = (as as { authorization_details_types_supported?: unknown }).authorization_details_types_supported;
    const approving =
      asked.authorizationDetails !== undefined &&
      asked.authorizationDetails.length > 0 &&
      Array.isArray(supported) &&
      asked.authorizationDetails.every((detail) => supported.includes(detail.type));
    if (asked.forceLogin || asked.authorizationDetails !== undefined) params.set('prompt', 'login');
    if (approving) params.set('authorization_details', JSON.stringify(asked.authorizationDetails));
    else if (asked.authorizationDetails !== undefined) flow.request = { ...asked, authorizationDetails: undefined, forceLogin: true };
    if (options.resource !== undefined) params.set('resource', options.resource);
    // RFC 9126: a provider that offers PAR gets the request by back channel, the browser only a request_uri.
    if (approving && as.pushed_authorization_request_endpoint !== undefined) {
      const pushed = await oauth.pushedAuthorizationRequest(as, client, oauth.None(), params, http);
      const { request_uri: requestUri } = await oauth.processPushedAuthorizationResponse(as, client, pushed);
      const short = new URL(as.authorization_endpoint);
      short.searchParams.set('client_id', options.clientId);
      short.searchParams.set('request_uri', requestUri);
      return { url: short, flow };
    }
    return { url, flow };
  }

  async function finish(flow: Flow, callback: URL): Promise<StepUpTokens> {
    const as = await server();
    let params: URLSearchParams;
    try {
      params = oauth.validateAuthResponse(as, client, callback, flow.state);
    } catch (error) {
      if (!(error instanceof oauth.AuthorizationResponseError)) throw error;
      const why = `${error.error}${error.error_description === undefined ? '' : `: ${error.error_description}`}`;
      // OIDC Core §3.1.2.6: the provider could not meet the requested acr_values.
      if (error.error === 'unmet_authentication_requirements')
        throw new StepUpNotSatisfied(`The provider could not authenticate as asked (${why})`, flow.request, {});
      throw new StepUpError('STEP_UP_CANCELLED', `The provider answered ${why}`, { cause: error });
    }
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, options.redirectUri, flow.codeVerifier, {
      ...http,
      ...(options.resource === undefined ? {} : { additionalParameters: { resource: options.resource } }),
    });
    const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: flow.nonce, requireIdToken: true });
    const claims = oauth.getValidatedIdTokenClaims(result)!;
    const at = now();
    assertStepUpSatisfied(flow.request, claims, { startedAt: flow.startedAt, now: at, clockSkew });
    const granted = assertApprovalsGranted(flow.request, result);
    const tokens: StepUpTokens = {
      ...(granted === undefined ? {} : { authorizationDetails: granted }),
      accessToken: result.access_token,
      idTokenClaims: claims,
      ...(typeof result.expires_in === 'number' ? { expiresAt: at + result.expires_in } : {}),
      ...(result.refresh_token === undefined ? {} : { refreshToken: result.refresh_token }),
    };
    await options.onTokens(tokens);
    return tokens;
  }

  /** Popup mode: the step-up in flight, shared by every caller of this adapter (the HTTP client and the subscriptions). */
  let inFlight: { readonly request: StepUpRequest; readonly done: Promise<void> } | undefined;

  async function stepUp(request: StepUpRequest): Promise<void> {
    if (options.mode === 'popup') {
      for (let current = inFlight; current !== undefined; current = inFlight) {
        if (covers(current.request, request)) return current.done;
        await current.done.catch(() => undefined);
      }
      const done = popupStepUp(request);
      inFlight = { request, done };
      try {
        return await done;
      } finally {
        if (inFlight?.done === done) inFlight = undefined;
      }
    }
    const { url, flow } = await begin(request);
    // Failures of the same moment join this step-up before the page leaves with the list of operations.
    await new Promise((resolve) => setTimeout(resolve, 0));
    // Bytes (uploads) cannot be saved as text: those operations are not resumed.
    const operations = request.operations.filter((operation) => typeof operation.body !== 'object');
    storage().setItem(STORAGE_KEY, JSON.stringify({ ...flow, operations }));
    win().location.assign(url.href);
    // The page unloads; the operations resume in completeRedirect().
    return new Promise<never>(() => undefined);
  }

  async function popupStepUp(request: StepUpRequest): Promise<void> {
    const { url, flow } = await begin(request);
    await options.beforePopup?.(request);
    await finish(flow, await authorizeInPopup(win(), url, options.redirectUri, flow.state, options.popup));
  }

  async function completeRedirect(url: string | URL = win().location.href) {
    const callback = new URL(url);
    const saved = storage().getItem(STORAGE_KEY);
    if (saved === null) return undefined;
    const flow = JSON.parse(saved) as Flow & { operations: PendingOperation[] };
    if (callback.searchParams.get('state') !== flow.state) return undefined;
    // One use: a reload of the callback page must not replay the operations again.
    storage().removeItem(STORAGE_KEY);
    const tokens = await finish(flow, callback);
    const send = options.fetch ?? globalThis.fetch;
    const resumed: ResumedOperation[] = [];
    for (const operation of flow.operations) {
      const headers = new Headers(operation.headers as Array<[string, string]>);
      headers.set('authorization', `Bearer ${tokens.accessToken}`);
      resumed.push({ operation, response: await send(operation.url, { method: operation.method, headers, body: operation.body }) });
    }
    return { tokens, resumed };
  }

  return {
    stepUp,
    signIn: (request = {}) => stepUp({ kind: 'sign-in', forceLogin: false, ...request, operations: [] }),
    completeRedirect,
    handlePopupCallback: () => handlePopupCallback(options.window),
  };
}

function isAbsoluteUrl(value: string): boolean {
  try {
    return new URL(value).protocol !== '';
  } catch {
    return false;
  }
}

function missingStorage(): never {
  throw new TypeError('redirect mode needs a "storage" option outside a browser (sessionStorage by default)');
}
