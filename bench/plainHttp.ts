/**
 * The baseline's HTTP layer (apollo-plain.ts), also driven in-process by ablate.ts: read the body with
 * `for await`, JSON.parse it, copy the headers into a HeaderMap, run Apollo's executeHTTPGraphQLRequest,
 * write its answer with `cache-control: no-store`. The same steps as the gateway's endpoint
 * (src/http/respond.ts readBody, graphQLRequestOf, sendGraphQLResponse) minus its checks and its auth.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext, type ContextThunk } from '@apollo/server';

export function plainHandler<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  context: ContextThunk<TContext>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString('utf8');
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: (req.method ?? 'GET').toUpperCase(),
        headers,
        search: q < 0 ? '' : target.slice(q),
        body: text === '' ? undefined : JSON.parse(text),
      },
      context,
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.setHeader('cache-control', 'no-store');
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') return void res.end(response.body.string);
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
