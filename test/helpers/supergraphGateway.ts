import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { loadConfig } from '../../src/config.js';
import { composeSupergraph } from '../../src/federation/compose.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { T0 } from './gateway.js';
import { startTestIssuer, type TestIssuer } from './issuer.js';
import { SILENT } from './logs.js';

/** A plain Apollo subgraph (it checks no identity): its SDL and resolvers. */
export interface PlainSubgraph {
  readonly sdl: string;
  readonly resolvers: unknown;
}

export interface SupergraphGateway {
  readonly gateway: Gateway;
  readonly issuer: TestIssuer;
  close(): Promise<void>;
}

/**
 * Plain Apollo subgraphs on port 0, composed here into a supergraph file as rover or Hive would have, and
 * the gateway started on that file with a test issuer, on the fixed clock. `onRequest` is told each
 * document a subgraph receives; `warn` gets the gateway's warnings.
 */
export async function startSupergraphGateway(
  subgraphs: Readonly<Record<string, PlainSubgraph>>,
  options: { onRequest?: (subgraph: string, query: string) => void; warn?: (message: string) => void } = {},
): Promise<SupergraphGateway> {
  const servers: ApolloServer[] = [];
  const started = await Promise.all(
    Object.entries(subgraphs).map(async ([name, { sdl, resolvers }]) => {
      const server = new ApolloServer({
        schema: buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: resolvers as never }),
        plugins: options.onRequest === undefined ? [] : [{ requestDidStart: async ({ request }) => void options.onRequest!(name, request.query ?? '') }],
      });
      servers.push(server);
      const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
      return { name, url, sdl };
    }),
  );
  const issuer = await startTestIssuer({ now: () => T0 });
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience });
  const file = join(mkdtempSync(join(tmpdir(), 'supergraph-')), 'supergraph.graphql');
  writeFileSync(file, composeSupergraph(started));
  const gateway = await startGateway(config, {
    logger: SILENT,
    ...(options.warn === undefined ? {} : { warn: options.warn }),
    clock: () => T0,
    supergraph: { kind: 'file', path: file, subgraphs: [] },
  });
  return {
    gateway,
    issuer,
    async close() {
      await gateway.close();
      await Promise.all(servers.map((server) => server.stop()));
      await issuer.close();
    },
  };
}
