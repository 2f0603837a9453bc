/**
 * The GutHib example as two Apollo Federation 2 subgraphs behind the gateway, each a real HTTP server
 * on loopback: `accounts` (users, cards, `node(id:)`) and `repositories`. Both read one source, like
 * two services over one database, and both accept only requests that carry the gateway's transaction
 * token for them and for that very request (once), and enforce their own `@isAuthenticated` again with it.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import { createStepUpSubgraph, type GatewayIdentityOptions } from 'step-up-gateway/subgraph';
import { withRedisStarEvents } from '../redisStarEvents.js';
import { createInMemorySource } from '../inMemorySource.js';
import { createLoaders } from '../loaders.js';
import type { GutHibSource } from '../source.js';
import { accountsResolvers } from './accountsResolvers.js';
import { repositoriesResolvers } from './repositoriesResolvers.js';
import { requestLogPlugin, type ReceivedDocument } from './requestLog.js';

export { describeReceived, type ReceivedDocument } from './requestLog.js';

export type GutHibSubgraphName = 'accounts' | 'repositories';
export const GUTHIB_SUBGRAPH_NAMES: readonly GutHibSubgraphName[] = Object.freeze(['accounts', 'repositories']);

/** `buildSubgraphSchema`'s resolver map; the codegen types of `../resolvers.ts` are stricter than it knows. */
type SubgraphResolvers = Extract<Parameters<typeof buildSubgraphSchema>[0], { resolvers?: unknown }>['resolvers'];

const RESOLVERS = { accounts: accountsResolvers, repositories: repositoriesResolvers } as unknown as Record<GutHibSubgraphName, SubgraphResolvers>;

export interface GutHibSubgraphOptions {
  /** The data both subgraphs read. Default: one fresh in-memory copy of the seed, shared by both. */
  readonly source?: GutHibSource;
  /**
   * How to verify the gateway's transaction tokens: its issuer, and its JWKS (`keys`) or where it is
   * (`jwksUrl`); `acceptLegacyIdentity` for gateways that cannot sign per request (the bench's peers).
   */
  readonly identity: Pick<GatewayIdentityOptions, 'issuer' | 'keys' | 'jwksUrl' | 'acceptLegacyIdentity'>;
  /** Seconds since the epoch, for verifying identities and for step-up decay. Default: the system clock. */
  readonly clock?: () => number;
  /** Loopback ports. Default 0 (any free port). */
  readonly ports?: { readonly accounts?: number; readonly repositories?: number };
  /** Called with each document a subgraph received, once its identity is verified. */
  readonly onRequest?: (entry: ReceivedDocument) => void;
  /** Given one line per received document, e.g. `[accounts] received { viewer { login } } as alice (level MEDIUM)`. */
  readonly log?: (line: string) => void;
  /**
   * Redis shared by the replicas: the repositories subgraph publishes each star there and listens there for
   * `Subscription.repositoryStarred`, so that a subscription held by one replica hears the stars given
   * through another (`withRedisStarEvents`). Default: star events stay in this process.
   */
  readonly redisUrl?: string | undefined;
}

export interface RunningGutHibSubgraph {
  readonly name: GutHibSubgraphName;
  /** Where it answers GraphQL over HTTP, e.g. `http://127.0.0.1:4001/`. */
  readonly url: string;
  close(): Promise<void>;
}

/** A subgraph's SDL as it publishes it, step-up header included: its `<name>.graphql`. */
export function gutHibSubgraphTypeDefs(name: GutHibSubgraphName): string {
  return readFileSync(new URL(`./${name}.graphql`, import.meta.url), 'utf8');
}

/** A subgraph's executable schema before the step-up guards (`createStepUpSubgraph` adds them). */
export function buildGutHibSubgraphSchema(name: GutHibSubgraphName): GraphQLSchema {
  if (!GUTHIB_SUBGRAPH_NAMES.includes(name)) throw new TypeError(`"${String(name)}" is not a GutHib subgraph: use accounts or repositories`);
  return buildSubgraphSchema({ typeDefs: parse(gutHibSubgraphTypeDefs(name)), resolvers: RESOLVERS[name] });
}

/** Starts one subgraph on 127.0.0.1. */
export async function startGutHibSubgraph(name: GutHibSubgraphName, options: GutHibSubgraphOptions): Promise<RunningGutHibSubgraph> {
  const events =
    name === 'repositories' && options.redisUrl !== undefined
      ? withRedisStarEvents(options.source ?? createInMemorySource(), { url: options.redisUrl })
      : undefined;
  const source = events?.source ?? options.source ?? createInMemorySource();
  const stepUp = createStepUpSubgraph({
    schema: buildGutHibSubgraphSchema(name),
    ...options.identity,
    audience: name,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    context: ({ principal }) => ({ viewer: principal?.subject, loaders: createLoaders(source) }),
  });
  const server = new ApolloServer({
    schema: stepUp.schema,
    // No inline traces (ftv1): the gateway does not read them, and they would time every resolver for any caller.
    // stepUp.plugin checks each token against the body it came with, once; without it every root field refuses.
    plugins: [stepUp.plugin, requestLogPlugin(name, { onRequest: options.onRequest, log: options.log }), ApolloServerPluginInlineTraceDisabled()],
    includeStacktraceInErrorResponses: false,
  });
  await server.start();
  // Plain node:http in front of Apollo Server, and GraphQL over WebSocket on the same port for the gateway's subscriptions.
  const httpServer = createServer((req, res) => void answerHttp(server, stepUp.context, req, res));
  const sockets = useServer(stepUp.websocket, new WebSocketServer({ server: httpServer, path: '/' }));
  await new Promise<void>((done, fail) => {
    httpServer.once('error', fail);
    httpServer.listen(options.ports?.[name] ?? 0, '127.0.0.1', () => done());
  });
  const { port } = httpServer.address() as AddressInfo;
  return {
    name,
    url: `http://127.0.0.1:${port}/`,
    close: async () => {
      await sockets.dispose();
      httpServer.closeAllConnections();
      await new Promise((done) => httpServer.close(done));
      await server.stop();
      await events?.close();
    },
  };
}

/** One HTTP request through Apollo Server: a JSON body (bounded) or a GET's query string, the answer as Apollo gives it. */
async function answerHttp<TContext extends object>(
  server: ApolloServer<TContext>,
  context: (args: { req: IncomingMessage }) => Promise<TContext>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return void res.writeHead(413).end();
      chunks.push(chunk);
    }
    const raw = Buffer.concat(chunks).toString('utf8');
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"errors":[{"message":"The body is not JSON"}]}');
    }
    const url = new URL(req.url ?? '/', 'http://subgraph');
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: url.search, body },
      context: () => context({ req }),
    });
    res.statusCode = response.status ?? 200;
    for (const [key, value] of response.headers) res.setHeader(key, value);
    if (response.body.kind === 'complete') return void res.end(response.body.string);
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  } catch (error) {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ message: (error as Error).message }] }));
  }
}

const MAX_BODY_BYTES = 1_048_576;

/** Starts both subgraphs over one source; `close()` stops both. */
export async function startGutHibSubgraphs(options: GutHibSubgraphOptions): Promise<{
  readonly subgraphs: ReadonlyArray<{ readonly name: GutHibSubgraphName; readonly url: string }>;
  close(): Promise<void>;
}> {
  const shared = { ...options, source: options.source ?? createInMemorySource() };
  const started: RunningGutHibSubgraph[] = [];
  const close = async () => {
    await Promise.all(started.map((subgraph) => subgraph.close()));
  };
  try {
    for (const name of GUTHIB_SUBGRAPH_NAMES) started.push(await startGutHibSubgraph(name, shared));
  } catch (error) {
    await close();
    throw error;
  }
  return { subgraphs: started.map(({ name, url }) => ({ name, url })), close };
}
