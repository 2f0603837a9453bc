import { ApolloServer } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { describe, expect, it } from 'vitest';
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

/** The README's "put the directive on your own schema" recipe, run as written. */
const ladder = createLadder();
const schema = makeExecutableSchema({
  typeDefs: [stepUpTypeDefs(), 'type Query { hello: String, vault: String @isAuthenticated(acrValue: HIGH) }'],
  resolvers: { ACRValue: createACRValueScalar(ladder), Query: { hello: () => 'world', vault: () => 'gold bars' } },
});
const policy = buildPolicyTable(schema, ladder);
const server = new ApolloServer<StepUpContext>({ schema: applyStepUpGuards(schema, policy), plugins: [stepUpPlugin(policy)] });

const NOW = 1_800_000_000;
const principal = (acr: string, authTime: number) => ({
  kind: 'principal' as const,
  principal: { subject: 'alice', acr, authTime, expiresAt: NOW + 60, claims: {} },
});

describe('the public API on a schema of your own', () => {
  it('refuses the HIGH field to a silver principal and serves the rest', async () => {
    const response = await server.executeOperation(
      { query: '{ hello vault }' },
      { contextValue: { stepUp: createStepUpState(principal('urn:mace:incommon:iap:silver', NOW), NOW) } },
    );
    expect(response.body).toMatchObject({
      kind: 'single',
      singleResult: { data: { hello: 'world', vault: null }, errors: [{ extensions: { code: 'STEP_UP_REQUIRED', requiredAcr: 'HIGH' } }] },
    });
  });

  it('serves the HIGH field to a fresh gold principal', async () => {
    const response = await server.executeOperation(
      { query: '{ vault }' },
      { contextValue: { stepUp: createStepUpState(principal('urn:mace:incommon:iap:gold', NOW - 10), NOW) } },
    );
    expect(response.body).toMatchObject({ kind: 'single', singleResult: { data: { vault: 'gold bars' } } });
  });

  it('fails closed when the context carries no step-up state', async () => {
    const response = await server.executeOperation({ query: '{ vault }' }, { contextValue: {} as StepUpContext });
    expect(response.body).toMatchObject({ kind: 'single', singleResult: { data: { vault: null } } });
  });
});

describe('errors of a refused operation', () => {
  const nested = makeExecutableSchema({
    typeDefs: [
      stepUpTypeDefs(),
      `type Query { ok: Boolean }
       type Mutation { act: A @isAuthenticated(acrValue: MEDIUM) }
       type A { secret: String @isAuthenticated(acrValue: HIGH) same: String @isAuthenticated(acrValue: MEDIUM) open: String }`,
    ],
    resolvers: { ACRValue: createACRValueScalar(ladder) },
  });
  const table = buildPolicyTable(nested, ladder);
  const nestedServer = new ApolloServer<StepUpContext>({ schema: applyStepUpGuards(nested, table), plugins: [stepUpPlugin(table)] });

  it('leave out a field under a refused field that asks no more, and keep one that asks more', async () => {
    const response = await nestedServer.executeOperation(
      { query: 'mutation { act { secret same open } }' },
      { contextValue: { stepUp: createStepUpState(principal('urn:mace:incommon:iap:bronze', NOW), NOW) } },
    );
    const body = response.body as { kind: 'single'; singleResult: { errors?: Array<{ path?: unknown[]; extensions?: { requiredAcr?: string } }> } };
    expect(body.singleResult.errors?.map((error) => [error.path, error.extensions?.requiredAcr])).toEqual([
      [['act'], 'MEDIUM'],
      [['act', 'secret'], 'HIGH'],
    ]);
  });
});

describe('a requirement that lets users who cannot step up through', () => {
  const lenient = makeExecutableSchema({
    typeDefs: [stepUpTypeDefs(), 'type Query { report: String @isAuthenticated(acrValue: HIGH, ifCannotReauthenticate: ALLOW) }'],
    resolvers: { ACRValue: createACRValueScalar(ladder), Query: { report: () => 'ok' } },
  });
  const table = buildPolicyTable(lenient, ladder);
  const lenientServer = new ApolloServer<StepUpContext>({ schema: applyStepUpGuards(lenient, table), plugins: [stepUpPlugin(table)] });
  const ask = async (canReauthenticate: boolean) => {
    const caller = principal('urn:mace:incommon:iap:silver', NOW);
    const withClaim = { ...caller, principal: { ...caller.principal, claims: { 'https://authgear.com/claims/user/can_reauthenticate': canReauthenticate } } };
    const response = await lenientServer.executeOperation({ query: '{ report }' }, { contextValue: { stepUp: createStepUpState(withClaim, NOW) } });
    const result = (response.body as { singleResult: { data?: { report: unknown }; errors?: Array<{ extensions: { code: unknown } }> } }).singleResult;
    return result.errors?.[0]?.extensions.code ?? result.data?.report;
  };

  it('resolves the field for a user who cannot step up, with ifCannotReauthenticate: ALLOW', async () => {
    expect(await ask(false)).toBe('ok');
  });

  it('still challenges a user who can step up', async () => {
    expect(await ask(true)).toBe('STEP_UP_REQUIRED');
  });
});
