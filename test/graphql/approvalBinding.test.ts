import { makeExecutableSchema } from '@graphql-tools/schema';
import { describe, expect, it } from 'vitest';
import { withStepUpTypeDefs } from '../../src/graphql/loadSchema.js';
import { buildPolicyTable } from '../../src/graphql/policyTable.js';
import { createLadder } from '../../src/stepup/ladder.js';

const ladder = createLadder();
const tableOf = (mutationField: string, extra = '') =>
  buildPolicyTable(
    makeExecutableSchema({
      typeDefs: withStepUpTypeDefs(`type Query { ok: Boolean } input PayInput { amount: Int!, payee: PayeeInput } input PayeeInput { iban: String } ${extra}
      type Mutation { ${mutationField} }`),
    }),
    ladder,
  );

describe('a binding of a mutation to its arguments', () => {
  it('is read into the policy table with its type and paths', () => {
    const table = tableOf(
      'pay(input: PayInput!, memo: String): Boolean @isAuthenticated(acrValue: HIGH, binds: ["input.amount", "input.payee.iban"], approvalType: "payment")',
    );
    expect(table.approvals.get('Mutation.pay')).toEqual({ type: 'payment', arguments: ['input.amount', 'input.payee.iban'] });
  });

  it('stops the gateway when a path names no argument', () => {
    expect(() => tableOf('pay(memo: String): Boolean @isAuthenticated(binds: ["amount"], approvalType: "payment")')).toThrow(
      '@isAuthenticated on Mutation.pay: "binds" names "amount", but the field has no argument "amount"',
    );
  });

  it('stops the gateway when a path goes into something that is not an input object', () => {
    expect(() => tableOf('pay(memo: String): Boolean @isAuthenticated(binds: ["memo.length"], approvalType: "payment")')).toThrow(
      /"binds" names "memo.length", which goes into something that is not an input object/,
    );
  });

  it('stops the gateway when binds comes without approvalType', () => {
    expect(() => tableOf('pay(memo: String): Boolean @isAuthenticated(binds: ["memo"])')).toThrow(/"binds" needs "approvalType"/);
  });

  it('stops the gateway when a binding is on a field that is not a mutation', () => {
    expect(() => tableOf('pay: Boolean', 'extend type Query { secret(id: ID): String @isAuthenticated(binds: ["id"], approvalType: "read") }')).toThrow(
      /Query.secret: "binds" binds a mutation's call/,
    );
  });
});
