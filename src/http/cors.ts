import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkCors, type CorsConfig } from '../config.js';

export type { CorsConfig } from '../config.js';

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
  'step-up-ticket',
];
/** Response headers script may read: the RFC 9470 challenge above all. */
const EXPOSED_HEADERS = 'WWW-Authenticate, X-Request-Id';
const PREFLIGHT_MAX_AGE = '600';

export interface Cors {
  /** Whether a page on this origin may call the gateway (and open a WebSocket to it). */
  allows(origin: string | undefined): boolean;
  /** The CORS response headers for this request (none when its origin is not allowed). */
  headersFor(req: IncomingMessage): Record<string, string>;
  /** Answers a preflight (`OPTIONS` with `Access-Control-Request-Method`); `false` when the request is not one. */
  preflight(req: IncomingMessage, res: ServerResponse): boolean;
}

/** Checks the configured origins (throws a `TypeError` naming a bad one) and answers CORS for them. */
export function createCors(config: CorsConfig): Cors {
  checkCors(config);
  const any = config.origins.includes('*');
  const allowed = new Set(config.origins);
  const allows = (origin: string | undefined): origin is string => origin !== undefined && (any || allowed.has(origin));

  return {
    allows,
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
