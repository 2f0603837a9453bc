import type { ServerResponse } from 'node:http';

/** Placeholder until the demo page lands. */
export function sendDemoApp(res: ServerResponse, _issuer: string): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end('<!doctype html><title>GutHib</title><p>GutHib dev gateway</p>');
}
