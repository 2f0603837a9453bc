/**
 * (1) Baseline: plain Apollo Server 5 (startStandaloneServer, node http) on the GutHib schema with no
 * directives and no auth. To do the same resolver work as the guarded servers, every request runs as
 * alice (a fixed principal): no token is read or verified.
 * Usage: node --import tsx apollo-plain.ts [port]   (or PORT=…; prints `READY <url>`)
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { BASE_SDL, createInMemorySource, createLoaders, HOST, portFromArgs, reportCpuOnSignal, resolvers, type GutHibContext, type Principal } from './guthib.js';

const ALICE: Principal = Object.freeze({ subject: 'alice', expiresAt: Number.MAX_SAFE_INTEGER, claims: {} });
const source = createInMemorySource();
const server = new ApolloServer<GutHibContext>({
  schema: makeExecutableSchema({ typeDefs: BASE_SDL, resolvers }),
  includeStacktraceInErrorResponses: false,
  plugins: [ApolloServerPluginLandingPageDisabled()],
});
const { url } = await startStandaloneServer(server, {
  listen: { port: portFromArgs(), host: HOST },
  context: async () => ({ principal: ALICE, loaders: createLoaders(source) }),
});
reportCpuOnSignal();
console.log(`READY ${url}graphql`);
