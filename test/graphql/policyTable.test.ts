import { makeExecutableSchema } from '@graphql-tools/schema';
import { describe, expect, it } from 'vitest';
import { stepUpTypeDefs, withStepUpTypeDefs } from '../../src/graphql/loadSchema.js';
import { gutHibTypeDefs } from '../../examples/guthib/index.js';
import { buildPolicyTable } from '../../src/graphql/policyTable.js';
import { createLadder } from '../../src/stepup/ladder.js';

const ladder = createLadder();
const DIRECTIVES = stepUpTypeDefs();
const tableOf = (sdl: string) => buildPolicyTable(makeExecutableSchema({ typeDefs: [DIRECTIVES, sdl] }), ladder);

describe('the example schema', () => {
  const table = buildPolicyTable(makeExecutableSchema({ typeDefs: withStepUpTypeDefs(gutHibTypeDefs()) }), ladder);
  const requirements = Object.fromEntries([...table.fields].map(([coordinate, entry]) => [coordinate, entry.requirement]));

  it('protects exactly the coordinates its directives name, at the levels they name', () => {
    expect(requirements).toEqual({
      'Query.viewer': {},
      'User.email': { level: 'MEDIUM', maxAge: 43_200 },
      'User.paymentMethods': { level: 'HIGH', maxAge: 300 },
      'PaymentMethod.id': { level: 'HIGH', maxAge: 300 },
      'PaymentMethod.brand': { level: 'HIGH', maxAge: 300 },
      'PaymentMethod.last4': { level: 'HIGH', maxAge: 300 },
      'Mutation.starRepository': {},
      'Mutation.updateEmail': { level: 'HIGH', maxAge: 60 },
      'Mutation.transferRepositoryOwnership': { level: 'HIGH', maxAge: 300, once: true },
      'Subscription.repositoryStarred': { level: 'MEDIUM', maxAge: 43_200 },
    });
  });

  it('says that User.paymentMethods is protected because it returns PaymentMethod', () => {
    expect(table.fields.get('User.paymentMethods')!.sources).toEqual([
      { kind: 'return', coordinate: 'PaymentMethod', requirement: { level: 'HIGH', maxAge: 300 }, maxAgeFromLadder: true },
    ]);
  });

  it('gives the Node interface the strictest requirement of its implementations', () => {
    expect(table.abstractTypes.get('Node')!.requirement).toEqual({ level: 'HIGH', maxAge: 300 });
  });
});

describe('buildPolicyTable', () => {
  it('stops on an unknown level and names the schema coordinate', () => {
    expect(() => tableOf('type Query { secret: String @isAuthenticated(acrValue: ULTRA) }')).toThrow(
      new TypeError('@isAuthenticated on Query.secret: unknown ACR level "ULTRA"; the ladder has LOW, MEDIUM, HIGH'),
    );
  });

  it('stops on an unknown level on a type and names the type', () => {
    expect(() => tableOf('type Query { a: A } type A @isAuthenticated(acrValue: "GOLD") { b: String }')).toThrow(
      new TypeError('@isAuthenticated on A: unknown ACR level "GOLD"; the ladder has LOW, MEDIUM, HIGH'),
    );
  });

  it('stops on a negative max age and names the coordinate', () => {
    expect(() => tableOf('type Query { a: String @isAuthenticated(maxAge: -5) }')).toThrow(
      new TypeError('@isAuthenticated on Query.a: "maxAge" must be a non-negative integer of seconds, got -5'),
    );
  });

  it('stops on an unknown level on an interface field nobody implements', () => {
    expect(() => tableOf('type Query { a: String } interface I { x: String @isAuthenticated(acrValue: NOPE) }')).toThrow(
      /@isAuthenticated on I\.x: unknown ACR level "NOPE"/,
    );
  });

  it('combines a field and its type to the stricter: the higher level and the smaller max age', () => {
    const table = tableOf('type Query { a: A } type A @isAuthenticated(acrValue: HIGH) { b: String @isAuthenticated(acrValue: MEDIUM, maxAge: 10) }');
    expect(table.fields.get('A.b')!.requirement).toEqual({ level: 'HIGH', maxAge: 10 });
  });

  it('carries an interface field directive to every implementation', () => {
    const table = tableOf('type Query { n: N } interface N { s: String @isAuthenticated(acrValue: MEDIUM) } type A implements N { s: String }');
    expect(table.fields.get('A.s')!.requirement).toEqual({ level: 'MEDIUM', maxAge: 43_200 });
  });

  it('gives a union the strictest requirement of its members', () => {
    const table = tableOf(
      'type Query { u: U } union U = A | B type A @isAuthenticated(acrValue: LOW) { a: Int } type B @isAuthenticated(acrValue: HIGH, maxAge: 30) { b: Int }',
    );
    expect(table.abstractTypes.get('U')!.requirement).toEqual({ level: 'HIGH', maxAge: 30 });
  });

  it('reads a directive from a type extension', () => {
    const table = tableOf('type Query { a: A } type A { b: String } extend type A @isAuthenticated(acrValue: HIGH)');
    expect(table.types.get('A')!.requirement).toEqual({ level: 'HIGH', maxAge: 300 });
  });
});
