import type { IncomingMessage, ServerResponse } from 'node:http';

/** Cross-origin access to `/graphql` for web apps on other origins (the Fetch standard's CORS protocol). */
export interface CorsConfig {
  /** Exact origins (`https://app.example`) allowed to call the gateway from a browser; `*` for any, only without credentials. */
  readonly origins: readonly string[];
  /** Whether the browser may send cookies or TLS client certificates (`Access-Control-Allow-Credentials`). Default false. */
  readonly credentials: boolean;
}

/** Request headers a browser may send: what GraphQL clients and this gateway's protocol use. */
const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-request-id',
];
/** Response headers script may read: the RFC 9470 challenge above all. */
const EXPOSED_HEADERS = 'WWW-Authenticate, X-Request-Id';
const PREFLIGHT_MAX_AGE = '600';

export interface Cors {
  /** The CORS response headers for this request (none when its origin is not allowed). */
  headersFor(req: IncomingMessage): Record<string, string>;
  /** Answers a preflight (`OPTIONS` with `Access-Control-Request-Method`); `false` when the request is not one. */
  preflight(req: IncomingMessage, res: ServerResponse): boolean;
}

/** Checks the configured origins; throws a `TypeError` naming the bad one. */
export function createCors(config: CorsConfig): Cors {
  const any = config.origins.includes('*');
  if (any && config.credentials) throw new TypeError('config "cors": "*" cannot go with credentials; list the origins');
  for (const origin of config.origins) {
    if (origin === '*') continue;
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      throw new TypeError(
        `config "cors.origins": ${JSON.stringify(origin)} is not an origin such as https://app.example (scheme, host and port only, no path or trailing slash)`,
      );
    }
  }
  const allowed = new Set(config.origins);
  const allows = (origin: string | undefined): origin is string => origin !== undefined && (any || allowed.has(origin));

  return {
    headersFor(req) {
      const origin = req.headers.origin;
      // The answer depends on Origin: caches must keep one per origin.
      if (!allows(origin)) return { vary: 'Origin' };
      return {
        'access-control-allow-origin': any ? '*' : origin,
        'access-control-expose-headers': EXPOSED_HEADERS,
        ...(config.credentials ? { 'access-control-allow-credentials': 'true' } : {}),
        vary: 'Origin',
      };
    },
    preflight(req, res) {
      if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) return false;
      const origin = req.headers.origin;
      const method = String(req.headers['access-control-request-method']).toUpperCase();
      const requested = String(req.headers['access-control-request-headers'] ?? '')
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter((name) => name !== '');
      const refused = requested.find((name) => !ALLOWED_HEADERS.includes(name));
      if (!allows(origin) || !['GET', 'POST'].includes(method) || refused !== undefined) {
        // No CORS headers: the browser refuses the call and tells its developer why.
        res.writeHead(403, { vary: 'Origin', 'content-length': '0' }).end();
        return true;
      }
      res
        .writeHead(204, {
          'access-control-allow-origin': any ? '*' : origin,
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': ALLOWED_HEADERS.join(', '),
          'access-control-max-age': PREFLIGHT_MAX_AGE,
          ...(config.credentials ? { 'access-control-allow-credentials': 'true' } : {}),
          vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
          'content-length': '0',
        })
        .end();
      return true;
    },
  };
}
