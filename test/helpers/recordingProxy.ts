import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a subgraph received it through the proxy: its headers and its body, byte for byte. */
export interface RecordedRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A loopback proxy in front of a subgraph that records every request it forwards: what an attacker on the
 * network between the gateway and the subgraph would capture.
 */
export async function startRecordingProxy(target: string): Promise<{ url: string; seen: RecordedRequest[]; close(): Promise<void> }> {
  const seen: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ headers: req.headers, body: body.toString('utf8') });
      const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    seen,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** Sends `recorded` again to `url`, its headers as captured, with `body` (default: the captured one). */
export async function replay(
  url: string,
  recorded: RecordedRequest,
  body = recorded.body,
): Promise<{ status: number; body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } }> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(recorded.headers)) {
    if (name === 'host' || name === 'content-length' || name === 'connection' || value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as never };
}
