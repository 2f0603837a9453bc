import { ApolloServer } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import {
  applyStepUpGuards,
  buildPolicyTable,
  createACRValueScalar,
  createLadder,
  createStepUpState,
  stepUpPlugin,
  stepUpTypeDefs,
  type StepUpContext,
} from 'step-up-gateway';

/** A field with ifCannotReauthenticate: ALLOW, asked by a silver user who cannot step up and by one who can. */
export async function publicApiServer(): Promise<{ cannot: unknown; can: unknown }> {
  const ladder = createLadder();
  const schema = makeExecutableSchema({
    typeDefs: [stepUpTypeDefs(), 'type Query { report: String @isAuthenticated(acrValue: HIGH, ifCannotReauthenticate: ALLOW) }'],
    resolvers: { ACRValue: createACRValueScalar(ladder), Query: { report: () => 'ok' } },
  });
  const table = buildPolicyTable(schema, ladder);
  const server = new ApolloServer<StepUpContext>({ schema: applyStepUpGuards(schema, table), plugins: [stepUpPlugin(table)] });
  const NOW = 1_800_000_000;
  const ask = async (canReauthenticate: boolean) => {
    const claims = { 'https://authgear.com/claims/user/can_reauthenticate': canReauthenticate };
    const principal = { subject: 'carol', acr: 'urn:mace:incommon:iap:silver', authTime: NOW, expiresAt: NOW + 60, claims };
    const response = await server.executeOperation({ query: '{ report }' }, { contextValue: { stepUp: createStepUpState({ kind: 'principal', principal }, NOW) } });
    const result = (response.body as { singleResult: { data?: { report: unknown }; errors?: Array<{ extensions: { code: unknown } }> } }).singleResult;
    return result.errors?.[0]?.extensions.code ?? result.data?.report;
  };
  return { cannot: await ask(false), can: await ask(true) };
}
