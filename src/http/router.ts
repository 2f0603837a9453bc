import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cors } from './cors.js';
import { graphqlSearch, requestUrl, sendErrors, sendJson } from './respond.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/**
 * What the gateway's one listener serves. The composition root fills it in as the parts come up (GraphQL once
 * the graph is built, the logout endpoint once the issuer is known, dev mode's provider); until then a route
 * answers as its part is not there.
 */
export interface Routes {
  /** `/graphql`, with the request's query string. */
  graphql?: ((req: IncomingMessage, res: ServerResponse, search: string) => Promise<void>) | undefined;
  /** Browsers on the configured origins may call `/graphql` and read its `WWW-Authenticate` challenge. */
  cors?: Cors | undefined;
  /** What `/readyz` says is not ready yet: empty when ready. */
  readiness: () => readonly string[];
  /** `/metrics` on the main listener, when configured so. */
  metrics?: Handler | undefined;
  /** The gateway's identity keys, for subgraphs: its path and the JWKS. */
  identityJwks?: { readonly path: string; readonly jwks: object } | undefined;
  /** OIDC Back-Channel Logout. */
  logout?: Handler | undefined;
  /** Dev mode: the provider's pages and endpoints, and its own demo page at `/`. */
  devProvider?:
    { handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> | void; home(res: ServerResponse): Promise<void> } | undefined;
}

/**
 * The listener's request handler. Everything a request reaches is caught here: a throw, synchronous or not,
 * becomes a 500 for that request and never an uncaught exception that ends the process.
 */
export function createRouter(routes: Routes): (req: IncomingMessage, res: ServerResponse) => void {
  function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> | void {
    // The request target of nearly every request: no URL to parse (`new URL` costs a microsecond).
    const search = graphqlSearch(req.url);
    const url = search === undefined ? requestUrl(req.url) : undefined;
    if (search !== undefined || url?.pathname === '/graphql') {
      const { cors, graphql } = routes;
      if (cors !== undefined) {
        if (cors.preflight(req, res)) return;
        for (const [name, value] of Object.entries(cors.headersFor(req))) res.setHeader(name, value);
      }
      if (graphql === undefined) return sendErrors(res, 503, 'SERVICE_UNAVAILABLE', 'The gateway is starting; retry shortly', { 'retry-after': '1' });
      return graphql(req, res, search ?? url!.search);
    }
    // A target no URL parser accepts (`//[/`, `http://a:99999/`) is the client's mistake, and the
    // connection may be out of step: answer 400 and close it (RFC 9112 §3.2).
    if (url === undefined) return sendErrors(res, 400, 'BAD_REQUEST', 'The request target is not a valid URL', { connection: 'close' });
    if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname === '/readyz') {
      const failing = routes.readiness();
      return sendJson(res, failing.length === 0 ? 200 : 503, failing.length === 0 ? { status: 'ready' } : { status: 'not ready', failing });
    }
    if (routes.metrics !== undefined && url.pathname === '/metrics') return routes.metrics(req, res);
    if (routes.identityJwks !== undefined && url.pathname === routes.identityJwks.path && req.method === 'GET') {
      return sendJson(res, 200, routes.identityJwks.jwks, { 'cache-control': 'public, max-age=300' });
    }
    if (url.pathname === '/backchannel-logout' && routes.logout !== undefined) return routes.logout(req, res);
    if (routes.devProvider !== undefined && url.pathname === '/' && req.method === 'GET') return routes.devProvider.home(res);
    if (routes.devProvider !== undefined) return routes.devProvider.handle(req, res, url.pathname);
    return sendErrors(res, 404, 'NOT_FOUND_PATH', `Nothing is served at ${url.pathname}; GraphQL is at /graphql`);
  }

  return (req, res) => {
    let handled: Promise<void> | void;
    try {
      handled = dispatch(req, res);
    } catch (error) {
      handled = Promise.reject(error);
    }
    handled?.catch((error: unknown) => {
      // Never a partial answer and never the error's details: the logs get the message, the caller a 500.
      console.error('request failed:', (error as Error).message);
      if (!res.headersSent) sendErrors(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      else res.destroy();
    });
  };
}
