import { describe, expect, it } from 'vitest';
import { stepUpTypeDefs, withStepUpTypeDefs } from '../../src/graphql/loadSchema.js';
import { gutHibTypeDefs } from '../../examples/guthib/index.js';
import { lintSdl } from '../../src/review/lint.js';
import { createLadder } from '../../src/stepup/ladder.js';

const ladder = createLadder();
const lint = (sdl: string) => lintSdl(`${stepUpTypeDefs()}\n${sdl}`, ladder).map(({ severity, rule, coordinate }) => `${severity} ${rule} ${coordinate}`);

describe('policy lint', () => {
  it('finds nothing in the example schema', () => {
    expect(lintSdl(withStepUpTypeDefs(gutHibTypeDefs()), ladder)).toEqual([]);
  });

  it('warns about an approval that leaves an argument of the call free', () => {
    expect(
      lint('type Query { a: Int } type Mutation { pay(to: ID!, amount: Int!): Boolean @isAuthenticated(binds: ["to"], approvalType: "payment") }'),
    ).toEqual(['warning approval-leaves-arguments-free Mutation.pay']);
  });

  it('reports a binding that names no argument as an invalid-approval error', () => {
    expect(lint('type Query { a: Int } type Mutation { pay(to: ID!): Boolean @isAuthenticated(binds: ["amount"], approvalType: "payment") }')).toEqual([
      'error invalid-approval Mutation.pay',
    ]);
  });

  it('reports a one-time step-up on a subscription field as an error', () => {
    expect(lint('type Query { a: Int } type Subscription { ticks: Int! @isAuthenticated(acrValue: HIGH, once: true) }')).toEqual([
      'error once-on-subscription Subscription.ticks',
    ]);
  });

  it('does not warn about a protected non-null subscription root, whose refusal ends the subscription with no data to null', () => {
    expect(lint('type Query { a: Int } type Subscription { ticks: Int! @isAuthenticated(acrValue: MEDIUM) }')).toEqual([]);
  });

  it('warns about a mutation without @isAuthenticated', () => {
    expect(lint('type Query { a: Int } type Mutation { wipe: Boolean }')).toEqual(['warning unprotected-mutation Mutation.wipe']);
  });

  it('warns about a protected non-null field and names the parent it would null', () => {
    const findings = lintSdl(`${stepUpTypeDefs()}\ntype Query { me: User } type User { email: String! @isAuthenticated(acrValue: MEDIUM) }`, ladder);
    expect(findings).toEqual([
      {
        rule: 'non-null-protected',
        severity: 'warning',
        coordinate: 'User.email',
        message: 'User.email is non-null and needs MEDIUM within 43200 s: a refusal nulls its parent User; make it nullable',
      },
    ]);
  });

  it('says a non-null protected root query field nulls the whole data', () => {
    expect(lintSdl(`${stepUpTypeDefs()}\ntype Query { secret: String! @isAuthenticated }`, ladder)[0]!.message).toContain('its parent Query (the whole data)');
  });

  it('does not warn about non-null fields of a protected type that ask no more than the type', () => {
    expect(lint('type Query { c: Card } type Card @isAuthenticated(acrValue: HIGH) { id: ID! }')).toEqual([]);
  });

  it('warns about an interface field directive an implementation does not carry', () => {
    expect(lint('type Query { n: N } interface N { s: String @isAuthenticated } type A implements N { s: String }')).toEqual([
      'warning interface-directive-not-carried A.s',
    ]);
  });

  it('reports an unknown level as an error with its coordinate', () => {
    expect(lint('type Query { a: String @isAuthenticated(acrValue: ULTRA) }')).toEqual(['error unknown-level Query.a']);
  });
});
