import { createHash, randomBytes } from 'node:crypto';
import { authenticator } from 'otplib';
import { DEV_USERS } from '../../src/idp/devUsers.js';

/**
 * A headless browser for the authorization code flow with PKCE over real HTTP: a cookie jar that
 * honours Path and expiry, redirects followed by hand, HTML forms submitted with their hidden inputs.
 * It stops at an HTML page or at the client's redirect_uri.
 */
interface Cookie {
  value: string;
  path: string;
  expires?: Date;
}

export class CookieJar {
  readonly #cookies = new Map<string, Cookie>();

  store(response: Response, requestPath: string): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      let path = requestPath.replace(/\/[^/]*$/, '') || '/';
      let expires: Date | undefined;
      for (const attribute of attributes) {
        const [key, val = ''] = attribute.split('=');
        if (key!.toLowerCase() === 'path') path = val;
        if (key!.toLowerCase() === 'expires') expires = new Date(val);
        if (key!.toLowerCase() === 'max-age') expires = new Date(Date.now() + Number(val) * 1000);
      }
      const key = `${name};${path}`;
      if (value === '' || (expires && expires.getTime() <= Date.now())) this.#cookies.delete(key);
      else this.#cookies.set(key, { value, path, ...(expires ? { expires } : {}) });
    }
  }

  header(requestPath: string): string {
    return [...this.#cookies]
      .filter(([, c]) => requestPath === c.path || requestPath.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([key, c]) => `${key.slice(0, key.indexOf(';'))}=${c.value}`)
      .join('; ');
  }
}

export type Landing = { kind: 'page'; url: string; status: number; html: string } | { kind: 'callback'; params: URLSearchParams };

export class Browser {
  readonly jar = new CookieJar();
  constructor(readonly callbackPrefix: string) {}

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Landing> {
    let target = url;
    let method = init.method ?? 'GET';
    let body: string | undefined = init.form ? new URLSearchParams(init.form).toString() : undefined;
    for (let hop = 0; hop < 20; hop++) {
      const at = new URL(target);
      if (at.origin + at.pathname === this.callbackPrefix && (at.searchParams.has('code') || at.searchParams.has('error'))) {
        return { kind: 'callback', params: at.searchParams };
      }
      const { pathname } = new URL(target);
      const response = await fetch(target, {
        method,
        redirect: 'manual',
        headers: { cookie: this.jar.header(pathname), ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) },
        ...(body === undefined ? {} : { body }),
      });
      this.jar.store(response, pathname);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        target = new URL(location, target).href;
        method = 'GET';
        body = undefined;
        continue;
      }
      return { kind: 'page', url: target, status: response.status, html: await response.text() };
    }
    throw new Error('too many redirects');
  }

  /** Submits the form whose action ends with `actionSuffix`, with its hidden inputs plus `fields`. */
  submit(landing: Landing, actionSuffix: string, fields: Record<string, string> = {}): Promise<Landing> {
    if (landing.kind !== 'page') throw new Error(`expected a page with a form …${actionSuffix}, got the callback ${landing.params}`);
    const form = [...landing.html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].find(([, attributes]) =>
      /action="([^"]*)"/.exec(attributes!)?.[1]?.endsWith(actionSuffix),
    );
    if (!form) throw new Error(`no form posting to …${actionSuffix} on ${landing.url}`);
    const action = /action="([^"]*)"/.exec(form[1]!)![1]!;
    const hidden: Record<string, string> = {};
    for (const [input] of form[2]!.matchAll(/<input\b[^>]*>/g)) {
      if (!/type="hidden"/.test(input)) continue;
      hidden[/name="([^"]*)"/.exec(input)![1]!] = /value="([^"]*)"/.exec(input)?.[1] ?? '';
    }
    return this.request(new URL(action, landing.url).href, { method: 'POST', form: { ...hidden, ...fields } });
  }
}

export const titleOf = (landing: Landing): string =>
  landing.kind === 'page' ? (/<h1>([^<]*)<\/h1>/.exec(landing.html)?.[1] ?? `(status ${landing.status})`) : '(callback)';

/** The public web client `guthib-web` of the embedded provider, driven headlessly. */
export class WebClient {
  readonly browser: Browser;
  readonly redirectUri: string;
  constructor(readonly issuer: string) {
    this.redirectUri = `${issuer}/`;
    this.browser = new Browser(this.redirectUri);
  }

  /** Starts an authorization request; `extra` carries acr_values, max_age, prompt … */
  async authorize(
    extra: Record<string, string> = {},
  ): Promise<{ landing: Landing; finish: (landing: Landing) => Promise<{ access_token: string; refresh_token?: string }> }> {
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(8).toString('hex');
    const url = new URL('/auth', this.issuer);
    url.search = new URLSearchParams({
      client_id: 'guthib-web',
      response_type: 'code',
      redirect_uri: this.redirectUri,
      scope: 'openid',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state,
      ...extra,
    }).toString();
    const landing = await this.browser.request(url.href);
    const finish = async (end: Landing) => {
      if (end.kind !== 'callback') throw new Error(`expected the callback, got the page "${titleOf(end)}"`);
      if (end.params.get('error') !== null) throw new Error(`${end.params.get('error')}: ${end.params.get('error_description')}`);
      if (end.params.get('state') !== state) throw new Error('state mismatch');
      const response = await fetch(new URL('/token', this.issuer), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: 'guthib-web',
          grant_type: 'authorization_code',
          code: end.params.get('code')!,
          code_verifier: verifier,
          redirect_uri: this.redirectUri,
        }),
      });
      const tokens = (await response.json()) as { access_token: string; refresh_token?: string; error?: string };
      if (!response.ok) throw new Error(`token endpoint: ${tokens.error}`);
      return tokens;
    };
    return { landing, finish };
  }

  password(landing: Landing, user: string, remember = true): Promise<Landing> {
    return this.browser.submit(landing, '/login', { username: user, password: DEV_USERS[user]!.password, ...(remember ? { remember: 'yes' } : {}) });
  }

  totp(landing: Landing, user: string): Promise<Landing> {
    return this.browser.submit(landing, '/otp', { otp: authenticator.generate(DEV_USERS[user]!.totpSecret) });
  }
}

/** The `acr_values` and `max_age` of an RFC 9470 challenge, read from the header alone. */
export function challengeParams(header: string | null): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [, name, value] of (header ?? '').matchAll(/(\w+)="([^"]*)"/g)) {
    if (name === 'acr_values' || name === 'max_age') params[name] = value!;
  }
  return params;
}
