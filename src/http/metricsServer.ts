import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestUrl, sendErrors } from './respond.js';
import type { GatewayMetrics } from '../ops/metrics.js';

/** Prometheus's text format, from the gateway's own registry. */
export function sendMetrics(res: ServerResponse, metrics: GatewayMetrics): Promise<void> {
  return metrics.registry.metrics().then((text) => {
    res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
    res.end(text);
  });
}

/** A listener of its own for `/metrics`, on loopback by default: never the public one. */
export async function listenForMetrics(host: string, port: number, metrics: GatewayMetrics): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (requestUrl(req.url)?.pathname !== '/metrics' || req.method !== 'GET') return sendErrors(res, 404, 'NOT_FOUND_PATH', 'Metrics are at /metrics');
    sendMetrics(res, metrics).catch(() => sendErrors(res, 500, 'INTERNAL_SERVER_ERROR', 'Metrics cannot be read'));
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, done);
  });
  const address = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${address.port}/metrics`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
