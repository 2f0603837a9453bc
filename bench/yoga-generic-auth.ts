/**
 * (5) GraphQL Yoga 5 + @envelop/generic-auth (mode protect-granular) on the GutHib schema, the policy
 * written as generic-auth directives (`@authenticated(acr:, maxAge:)`, see guthib.ts YOGA_SDL).
 * resolveUserFn verifies the bearer ES256 JWT with jose against a local JWKS, cached per token until exp
 * (auth.ts, same as the product); validateUser enforces level by rank and auth age (product `satisfies`).
 * Usage: node --import tsx yoga-generic-auth.ts [port]   (or PORT=…; prints `READY <url>`)
 */
import { createServer } from 'node:http';
import { GraphQLError } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { useGenericAuth, type ValidateUserFn } from '@envelop/generic-auth';
import { createVerifier } from './auth.js';
import {
  createInMemorySource,
  createLoaders,
  HOST,
  nowSeconds,
  portFromArgs,
  refusal,
  reportCpuOnSignal,
  requirementOf,
  resolvers,
  YOGA_SDL,
  type GutHibContext,
  type Principal,
  type Requirement,
} from './guthib.js';

const verifier = createVerifier();
const source = createInMemorySource();

/** Directive args → normalised requirement (generic-auth hands us fresh args objects per field per request). */
const requirements = new Map<string, Requirement>();
function requirementFor(args: { acr?: string; maxAge?: number } | undefined): Requirement | undefined {
  if (args === undefined) return undefined;
  const key = `${args.acr ?? ''}/${args.maxAge ?? ''}`;
  let r = requirements.get(key);
  if (r === undefined) requirements.set(key, (r = requirementOf(args.acr, args.maxAge)));
  return r;
}

const validateUser: ValidateUserFn<Principal> = ({ user, fieldAuthArgs, typeAuthArgs, fieldNode, path }) => {
  const fieldReq = requirementFor(fieldAuthArgs);
  const typeReq = requirementFor(typeAuthArgs);
  if (fieldReq === undefined && typeReq === undefined) return undefined;
  const now = nowSeconds();
  for (const req of [fieldReq, typeReq]) {
    if (req === undefined) continue;
    const error = refusal(user, req, now);
    if (error !== undefined) {
      // generic-auth reports what we return as a validation error; give it the field's location and path.
      // Its resolve path puts the list marker '@' BEFORE a list field's key (11.2.1 bug), which makes
      // extended-validation write `{"@": {"paymentMethods": null}}` into data; its visitPath walks arrays
      // without the marker, so drop it.
      return new GraphQLError(error.message, {
        nodes: [fieldNode],
        path: path.filter((p) => p !== '@'),
        extensions: error.extensions,
      });
    }
  }
  return undefined;
};

const yoga = createYoga<Record<string, unknown>, GutHibContext>({
  schema: createSchema({ typeDefs: YOGA_SDL, resolvers }),
  graphqlEndpoint: '/graphql',
  landingPage: false,
  graphiql: false,
  logging: false,
  context: () => ({ loaders: createLoaders(source) }),
  plugins: [
    useGenericAuth<Principal, { request: Request }, 'principal'>({
      mode: 'protect-granular',
      contextFieldName: 'principal',
      authDirectiveName: 'authenticated',
      // false: refused fields are removed and reported, the rest executes (the product's partial results).
      rejectUnauthenticated: false,
      resolveUserFn: (context) => verifier.principalOrThrow(context.request.headers.get('authorization'), 'object'),
      validateUser,
    }),
  ],
});

const httpServer = createServer(yoga);
httpServer.listen(portFromArgs(), HOST, () => {
  const address = httpServer.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  reportCpuOnSignal();
  console.log(`READY http://${HOST}:${port}/graphql`);
});
