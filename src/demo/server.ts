import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LevelDefinition } from '../stepup/ladder.js';
import { demoBundle } from './bundle.js';
import { CALLBACK_HTML, indexHtml, type DemoConfig } from './page.js';

/**
 * Dev mode's demo web app, on an origin of its own (a second loopback port): the page calls the gateway's
 * `/graphql` cross-origin, so CORS is exercised as a frontend team's app would (the gateway allows this
 * origin by default in dev mode), and signs in at the gateway's provider in a popup.
 */
export interface DemoServerOptions {
  /** The interface to listen on: the gateway's. */
  readonly host: string;
  /** The port; 0 picks a free one. A busy fixed port falls back to a free one (with a warning). */
  readonly port: number;
  /** The provider's issuer (the gateway's origin in dev mode). */
  readonly issuer: string;
  /** The gateway's `/graphql` URL. */
  readonly graphql: string;
  /** The public client at the provider. Default `guthib-web`. */
  readonly clientId?: string;
  /** The gateway's ladder, for the session banner. */
  readonly ladder: readonly LevelDefinition[];
  /** Default `console.warn`. */
  readonly warn?: (message: string) => void;
}

export interface DemoServer {
  /** `http://localhost:<port>`: allowed by the gateway's CORS in dev mode. */
  readonly origin: string;
  /** The app: `${origin}/`, also its post-logout redirect URI. */
  readonly url: string;
  /** The popup's callback page, the redirect URI to register at the provider. */
  readonly redirectUri: string;
  close(): Promise<void>;
}

const PAGE_HEADERS = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const warn = options.warn ?? ((message: string) => console.warn(message));
  let config: DemoConfig | undefined;
  let csp = '';
  const server = createServer((req, res) => void serve(req, res));
  const port = await listen(server, options.host, options.port).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE' || options.port === 0) throw error;
    warn(`demo app: port ${options.port} is in use; serving it on a free port instead`);
    return listen(server, options.host, 0);
  });
  const origin = `http://localhost:${port}`;
  config = { issuer: options.issuer, graphql: options.graphql, clientId: options.clientId ?? 'guthib-web', ladder: options.ladder };
  // Script only from this origin, fetches only to it, the provider and the gateway (HTTP, and its WebSocket for the stars feed).
  const gateway = new URL(options.graphql);
  const socket = `${gateway.protocol === 'https:' ? 'wss' : 'ws'}://${gateway.host}`;
  csp = `default-src 'self'; connect-src 'self' ${new URL(options.issuer).origin} ${gateway.origin} ${socket}; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'`;

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://demo.invalid').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    if (path === '/' && config !== undefined) return void res.writeHead(200, { ...PAGE_HEADERS, 'content-security-policy': csp }).end(indexHtml(config));
    if (path === '/callback.html') return void res.writeHead(200, { ...PAGE_HEADERS, 'content-security-policy': csp }).end(CALLBACK_HTML);
    if (path === '/app.js' || path === '/callback.js') {
      let script: string;
      try {
        script = (await demoBundle()).get(path)!;
      } catch (error) {
        const message = `The demo page cannot be built: ${(error as Error).message}`;
        warn(`demo app: ${message}`);
        script = `document.getElementById('view').textContent = ${JSON.stringify(message)};`;
      }
      return void res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' }).end(script);
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
  }

  return {
    origin,
    url: `${origin}/`,
    redirectUri: `${origin}/callback.html`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      done((server.address() as AddressInfo).port);
    });
  });
}
