import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** A signing key of the test issuer; `published` keys appear in its JWKS. */
export interface TestKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

/**
 * A real OpenID Provider's resource-server face on loopback: a discovery document and a JWKS
 * served over HTTP, and tokens signed with its keys. Counts JWKS fetches so tests can see caching.
 */
export interface TestIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly key: TestKey;
  jwksFetches: number;
  /** `down`: discovery and JWKS answer 503; `slow`: they answer after `slowMs`. */
  mode: 'up' | 'down' | 'slow';
  slowMs: number;
  /** Signs a token; `header` and `claims` override the defaults of a valid access token. */
  sign(claims?: JWTPayload, options?: { header?: Record<string, unknown>; key?: TestKey; omit?: string[] }): Promise<string>;
  /** A key the issuer does not publish (until `publish`). */
  newKey(kid: string): Promise<TestKey>;
  publish(key: TestKey): void;
  /**
   * RFC 7662 answers of `POST /introspect` (announced as `introspection_endpoint`), by token; any other
   * token, or a request without client credentials, is answered `{ "active": false }`.
   */
  readonly introspection: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
}

export async function makeKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return { kid, privateKey, publicJwk };
}

export async function startTestIssuer(options: { now: () => number; audience?: string }): Promise<TestIssuer> {
  const key = await makeKey('test-key-1');
  const published: JWK[] = [key.publicJwk];
  let issuer = '';
  const server: Server = createServer(async (req, res) => {
    if (state.mode === 'down') return void res.writeHead(503).end();
    if (state.mode === 'slow') await new Promise((resolve) => setTimeout(resolve, state.slowMs));
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks`, introspection_endpoint: `${issuer}/introspect` }));
    } else if (req.url === '/jwks') {
      state.jwksFetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: published }));
    } else if (req.url === '/introspect' && req.method === 'POST') {
      const form = new URLSearchParams(await readText(req));
      const known = req.headers.authorization?.startsWith('Basic ') ? state.introspection.get(form.get('token') ?? '') : undefined;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(known ?? { active: false }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const audience = options.audience ?? 'guthib-api';

  const state: TestIssuer = {
    issuer,
    audience,
    key,
    jwksFetches: 0,
    mode: 'up',
    slowMs: 2_000,
    async sign(claims = {}, { header = {}, key: signer = key, omit = [] } = {}) {
      const now = options.now();
      const payload: JWTPayload = { iss: issuer, aud: audience, sub: 'alice', iat: now, exp: now + 3600, client_id: 'guthib-web', ...claims };
      for (const name of omit) delete payload[name];
      return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: signer.kid, ...header }).sign(signer.privateKey);
    },
    newKey: makeKey,
    publish(extra) {
      published.push(extra.publicJwk);
    },
    introspection: new Map(),
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
  return state;
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
