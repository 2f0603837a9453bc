import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { makeKey } from '../helpers/issuer.js';
import type { MessageEventLike, WindowLike } from '../../src/client/index.js';

/** What the user "did" at the provider: the claims of the ID token it will issue. */
export interface Authentication {
  readonly acr?: string;
  readonly auth_time?: number;
  readonly accessToken?: string;
}

/**
 * An OpenID Provider's code flow on loopback: a discovery document, and a token endpoint that checks the
 * PKCE verifier (RFC 7636 §4.6) and answers with an ES256 ID token carrying the request's nonce.
 * `authorize(url, authentication)` plays the user at the authorization endpoint and returns the callback URL.
 */
export async function startProvider(clientId: string) {
  const key = await makeKey('provider-key');
  const grants = new Map<string, { challenge: string; nonce: string; redirectUri: string; authentication: Authentication }>();
  const tokenRequests: URLSearchParams[] = [];
  let issuer = '';
  const server = createServer(async (req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(
        JSON.stringify({
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          id_token_signing_alg_values_supported: ['ES256'],
          code_challenge_methods_supported: ['S256'],
        }),
      );
    }
    if (req.url === '/token' && req.method === 'POST') {
      const form = new URLSearchParams(await text(req));
      tokenRequests.push(form);
      const grant = grants.get(form.get('code') ?? '');
      grants.delete(form.get('code') ?? '');
      const verified =
        grant !== undefined &&
        createHash('sha256')
          .update(form.get('code_verifier') ?? '')
          .digest('base64url') === grant.challenge;
      if (!verified || form.get('client_id') !== clientId || form.get('redirect_uri') !== grant.redirectUri) {
        res.writeHead(400, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ error: 'invalid_grant' }));
      }
      const now = Math.floor(Date.now() / 1000);
      const { accessToken = 'access-token', ...claims } = grant.authentication;
      const idToken = await new SignJWT({ ...claims, nonce: grant.nonce })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid })
        .setIssuer(issuer)
        .setAudience(clientId)
        .setSubject('alice')
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(key.privateKey);
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return void res.end(JSON.stringify({ access_token: accessToken, token_type: 'Bearer', expires_in: 300, id_token: idToken }));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    tokenRequests,
    /** The user signs in as `authentication`; the provider redirects to the request's redirect_uri with a code. */
    authorize(url: URL, authentication: Authentication): URL {
      const params = url.searchParams;
      const code = randomUUID();
      grants.set(code, { challenge: params.get('code_challenge')!, nonce: params.get('nonce')!, redirectUri: params.get('redirect_uri')!, authentication });
      const callback = new URL(params.get('redirect_uri')!);
      callback.searchParams.set('code', code);
      callback.searchParams.set('state', params.get('state')!);
      return callback;
    },
    /** The provider refuses: `error=…` on the redirect. */
    refuse(url: URL, error: string): URL {
      const callback = new URL(url.searchParams.get('redirect_uri')!);
      callback.searchParams.set('error', error);
      callback.searchParams.set('state', url.searchParams.get('state')!);
      return callback;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

function text(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/**
 * A browser window in a test: `open` records the URL and returns a popup the test closes or answers from;
 * `assign` records navigations; `post` delivers a `message` event as the callback page would.
 */
export function fakeWindow(origin = 'http://app.test') {
  const listeners = new Set<(event: MessageEventLike) => void>();
  const opened: URL[] = [];
  const navigations: URL[] = [];
  const popup: { closed: boolean; close(): void } = { closed: false, close: () => void (popup.closed = true) };
  let blocked = false;
  const win: WindowLike = {
    location: { href: `${origin}/`, origin, assign: (url) => void navigations.push(new URL(url)) },
    open(url) {
      if (blocked) return null;
      opened.push(new URL(url));
      return popup;
    },
    addEventListener: (_type, listener) => void listeners.add(listener),
    removeEventListener: (_type, listener) => void listeners.delete(listener),
  };
  return {
    win,
    opened,
    navigations,
    popup,
    block: () => void (blocked = true),
    post: (from: string, data: unknown) => listeners.forEach((listener) => listener({ origin: from, data })),
    /** Resolves with the URL the page opened in a popup, once it has. */
    async nextOpened(): Promise<URL> {
      for (let i = 0; i < 200 && opened.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      return opened.shift()!;
    },
    async nextNavigation(): Promise<URL> {
      for (let i = 0; i < 200 && navigations.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      return navigations.shift()!;
    },
  };
}
