/**
 * (6) Apollo Server 5 (startStandaloneServer, node http) + graphql-shield 7 rules applied with
 * graphql-middleware 6, the policy written as shield rules equivalent to the product's directives.
 * The context function verifies the bearer ES256 JWT with jose against a local JWKS, cached per token
 * until exp (auth.ts, same as the product). Rules use cache 'contextual' (once per request per rule).
 * Usage: node --import tsx apollo-shield.ts [port]   (or PORT=…; prints `READY <url>`)
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { applyMiddleware } from 'graphql-middleware';
import { allow, rule, shield } from 'graphql-shield';
import { createVerifier } from './auth.js';
import {
  BASE_SDL,
  createInMemorySource,
  createLoaders,
  HOST,
  nowSeconds,
  portFromArgs,
  refusal,
  reportCpuOnSignal,
  requirementOf,
  resolvers,
  type GutHibContext,
} from './guthib.js';

const verifier = createVerifier();
const source = createInMemorySource();

/** A shield rule for one requirement; returns the product's UNAUTHENTICATED/STEP_UP_REQUIRED error. */
const needs = (name: string, level?: string, maxAge?: number) => {
  const requirement = requirementOf(level, maxAge);
  return rule(name, { cache: 'contextual' })((_parent, _args, ctx: GutHibContext) => refusal(ctx.principal, requirement, nowSeconds()) ?? true);
};
const isAuthenticated = needs('isAuthenticated');
const isSilver = needs('isSilver', 'MEDIUM');
const isGold = needs('isGold', 'HIGH');
const isGoldWithin60 = needs('isGoldWithin60', 'HIGH', 60);

const permissions = shield(
  {
    Query: { viewer: isAuthenticated },
    User: { email: isSilver, paymentMethods: isGold },
    // A type rule covers every field of PaymentMethod, also when reached through Query.node.
    PaymentMethod: isGold,
    Mutation: {
      starRepository: isAuthenticated,
      updateEmail: isGoldWithin60,
      transferRepositoryOwnership: isGold,
    },
  },
  {
    fallbackRule: allow, // the default; `deny` would also refuse every unlisted field (and introspection)
    allowExternalErrors: true, // else resolver errors (FORBIDDEN, NOT_FOUND…) become "Not Authorised!"
    debug: false,
  },
);

const schema = applyMiddleware(makeExecutableSchema({ typeDefs: BASE_SDL, resolvers }), permissions);
const server = new ApolloServer<GutHibContext>({
  schema,
  includeStacktraceInErrorResponses: false,
  plugins: [ApolloServerPluginLandingPageDisabled()],
});
const { url } = await startStandaloneServer(server, {
  listen: { port: portFromArgs(), host: HOST },
  context: async ({ req }) => ({
    principal: await verifier.principalOrThrow(req.headers.authorization, 'map'),
    loaders: createLoaders(source),
  }),
});
reportCpuOnSignal();
console.log(`READY ${url}graphql`);
