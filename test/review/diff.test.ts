import { makeExecutableSchema } from '@graphql-tools/schema';
import { describe, expect, it } from 'vitest';
import { stepUpTypeDefs } from '../../src/graphql/loadSchema.js';
import { buildPolicyTable } from '../../src/graphql/policyTable.js';
import { diffPolicies, formatChanges, type PolicySide } from '../../src/review/diff.js';
import { createLadder } from '../../src/stepup/ladder.js';

const ladder = createLadder();
const side = (sdl: string): PolicySide => {
  const schema = makeExecutableSchema({ typeDefs: [stepUpTypeDefs(), sdl] });
  return { schema, table: buildPolicyTable(schema, ladder) };
};
const diff = (base: string, head: string) => diffPolicies(side(base), side(head)).map(({ coordinate, kind, reason }) => `${kind} ${coordinate}: ${reason}`);

const BASE = `
  type Query { viewer: User @isAuthenticated node: Node }
  interface Node { id: ID! secret: String @isAuthenticated(acrValue: MEDIUM) }
  type User implements Node {
    id: ID!
    secret: String @isAuthenticated(acrValue: MEDIUM)
    email: String @isAuthenticated(acrValue: MEDIUM)
    cards: [Card!]
  }
  type Card @isAuthenticated(acrValue: HIGH) { last4: String brand: String }
  type Mutation {
    transfer(id: ID!): Boolean @isAuthenticated(acrValue: HIGH)
    updateEmail(email: String!): Boolean @isAuthenticated(acrValue: HIGH, maxAge: 60)
  }
`;
const change = (from: string, to: string) => {
  expect(BASE).toContain(from);
  return BASE.replace(from, to);
};

describe('policy diff: weakenings', () => {
  it('1. flags a directive removed from a field', () => {
    expect(diff(BASE, change('email: String @isAuthenticated(acrValue: MEDIUM)', 'email: String'))).toEqual([
      'weakened User.email: no longer protected; it required MEDIUM within 43200 s',
    ]);
  });

  it('2. flags a lower level', () => {
    expect(
      diff(BASE, change('transfer(id: ID!): Boolean @isAuthenticated(acrValue: HIGH)', 'transfer(id: ID!): Boolean @isAuthenticated(acrValue: MEDIUM)')),
    ).toEqual(['weakened Mutation.transfer: level HIGH → MEDIUM (also accepts urn:mace:incommon:iap:silver), max age 300 s → 43200 s']);
  });

  it('3. flags a longer max age', () => {
    expect(diff(BASE, change('maxAge: 60', 'maxAge: 600'))).toEqual(['weakened Mutation.updateEmail: max age 60 s → 600 s']);
  });

  it('4. flags an explicit max age removed in favour of a longer ladder default', () => {
    expect(diff(BASE, change('@isAuthenticated(acrValue: HIGH, maxAge: 60)', '@isAuthenticated(acrValue: HIGH)'))).toEqual([
      'weakened Mutation.updateEmail: max age 60 s → 300 s',
    ]);
  });

  it('5. flags every field of a type, and every field returning it, when the type directive goes', () => {
    expect(diff(BASE, change('type Card @isAuthenticated(acrValue: HIGH) {', 'type Card {'))).toEqual([
      'weakened Card.brand: no longer protected; it required HIGH within 300 s',
      'weakened Card.last4: no longer protected; it required HIGH within 300 s',
      'weakened User.cards: no longer protected; it required HIGH within 300 s',
    ]);
  });

  it('6. flags a field moved out of a protected type to an unprotected one', () => {
    const head = change(
      'type Card @isAuthenticated(acrValue: HIGH) { last4: String brand: String }',
      'type Card @isAuthenticated(acrValue: HIGH) { brand: String }',
    ).replace('cards: [Card!]', 'cards: [Card!]\n    last4: String');
    expect(diff(BASE, head)).toEqual([
      'removed field Card.last4: removed; it required HIGH within 300 s',
      'weakened User.last4: moved out of Card.last4 (HIGH within 300 s) to User.last4 (nothing)',
    ]);
  });

  it('7. flags a field that now returns an unprotected type', () => {
    const head = change('cards: [Card!]', 'cards: [Plain!]') + '\ntype Plain { last4: String }';
    expect(diff(BASE, head)).toEqual(['weakened User.cards: no longer protected; it required HIGH within 300 s']);
  });

  it('8. flags an interface field directive removed (implementations inherited it)', () => {
    const head = change('interface Node { id: ID! secret: String @isAuthenticated(acrValue: MEDIUM) }', 'interface Node { id: ID! secret: String }').replace(
      'secret: String @isAuthenticated(acrValue: MEDIUM)\n',
      'secret: String\n',
    );
    expect(diff(BASE, head)).toEqual(['weakened User.secret: no longer protected; it required MEDIUM within 43200 s']);
  });

  it('9. flags a higher level that comes with a longer max age', () => {
    expect(diff(BASE, change('@isAuthenticated(acrValue: HIGH, maxAge: 60)', '@isAuthenticated(acrValue: HIGH, maxAge: 3600)'))).toEqual([
      'weakened Mutation.updateEmail: max age 60 s → 3600 s',
    ]);
  });

  it('10. flags a bare @isAuthenticated removed from a query field', () => {
    expect(diff(BASE, change('viewer: User @isAuthenticated', 'viewer: User'))).toEqual([
      'weakened Query.viewer: no longer protected; it required any valid token',
    ]);
  });

  it('20. flags a requirement that now lets through callers who cannot step up', () => {
    expect(
      diff(
        BASE,
        change(
          'transfer(id: ID!): Boolean @isAuthenticated(acrValue: HIGH)',
          'transfer(id: ID!): Boolean @isAuthenticated(acrValue: HIGH, ifCannotReauthenticate: ALLOW)',
        ),
      ),
    ).toEqual(['weakened Mutation.transfer: now lets callers who cannot step up through']);
  });
});

describe('policy diff: other changes', () => {
  it('11. calls a higher level strengthened', () => {
    expect(diff(BASE, change('email: String @isAuthenticated(acrValue: MEDIUM)', 'email: String @isAuthenticated(acrValue: HIGH)'))).toEqual([
      'strengthened User.email: level MEDIUM → HIGH (no longer accepts urn:mace:incommon:iap:silver), max age 43200 s → 300 s',
    ]);
  });

  it('21. calls a requirement that no longer lets through callers who cannot step up strengthened', () => {
    const allowing = change(
      'transfer(id: ID!): Boolean @isAuthenticated(acrValue: HIGH)',
      'transfer(id: ID!): Boolean @isAuthenticated(acrValue: HIGH, ifCannotReauthenticate: ALLOW)',
    );
    expect(diff(allowing, BASE)).toEqual(['strengthened Mutation.transfer: no longer lets callers who cannot step up through']);
  });

  it('12. calls a shorter max age strengthened', () => {
    expect(diff(BASE, change('maxAge: 60', 'maxAge: 30'))).toEqual(['strengthened Mutation.updateEmail: max age 60 s → 30 s']);
  });

  it('13. calls a newly protected existing field strengthened', () => {
    expect(diff(BASE, change('id: ID!\n    secret', 'id: ID! @isAuthenticated\n    secret'))).toEqual(['strengthened User.id: now requires any valid token']);
  });

  it('14. calls a new protected field added', () => {
    expect(
      diff(BASE, change('updateEmail(email: String!)', 'deleteAccount: Boolean @isAuthenticated(acrValue: HIGH, maxAge: 30)\n    updateEmail(email: String!)')),
    ).toEqual(['added Mutation.deleteAccount: new field requiring HIGH within 30 s']);
  });

  it('15. calls a protected field that is gone a removed field, not a weakening', () => {
    expect(diff(BASE, change('transfer(id: ID!): Boolean @isAuthenticated(acrValue: HIGH)', ''))).toEqual([
      'removed field Mutation.transfer: removed; it required HIGH within 300 s',
    ]);
  });

  it('16. sees nothing in a description-only change', () => {
    expect(diff(BASE, change('type Card', '"A payment card." type Card'))).toEqual([]);
  });

  it('17. sees nothing when a new unprotected field is added', () => {
    expect(diff(BASE, change('email: String @isAuthenticated', 'login: String\n    email: String @isAuthenticated'))).toEqual([]);
  });
});

describe('policy diff: levels with several acr strings', () => {
  // LemonLDAP::NG issues `loa-<authentication level>`: more acr strings than the organisation has levels.
  const lemon = () =>
    createLadder([
      { name: 'LOW', acr: ['loa-1', 'loa-2'] },
      { name: 'HIGH', acr: ['loa-3', 'loa-4', 'loa-5'], maxAge: 300 },
    ]);
  const lemonDiff = (base: string, head: string) => {
    const ladder = lemon();
    const sideOf = (sdl: string): PolicySide => {
      const schema = makeExecutableSchema({ typeDefs: [stepUpTypeDefs(), sdl] });
      return { schema, table: buildPolicyTable(schema, ladder) };
    };
    return diffPolicies(sideOf(base), sideOf(head)).map(({ coordinate, kind, reason }) => `${kind} ${coordinate}: ${reason}`);
  };

  it('18. names every acr string a lower level lets in', () => {
    expect(lemonDiff('type Query { a: String @isAuthenticated(acrValue: HIGH) }', 'type Query { a: String @isAuthenticated(acrValue: LOW) }')).toEqual([
      'weakened Query.a: level HIGH → LOW (also accepts loa-1 loa-2), max age 300 s → none',
    ]);
  });

  it('19. names every acr string a higher level shuts out', () => {
    expect(lemonDiff('type Query { a: String @isAuthenticated(acrValue: LOW) }', 'type Query { a: String @isAuthenticated(acrValue: HIGH) }')).toEqual([
      'strengthened Query.a: level LOW → HIGH (no longer accepts loa-1 loa-2), max age none → 300 s',
    ]);
  });
});

describe('formatChanges', () => {
  it('prints weakenings first, one line per coordinate', () => {
    const changes = diffPolicies(
      side(BASE),
      side(change('maxAge: 60', 'maxAge: 30').replace('email: String @isAuthenticated(acrValue: MEDIUM)', 'email: String')),
    );
    expect(formatChanges(changes, 'text')).toBe(
      'WEAKENED User.email: no longer protected; it required MEDIUM within 43200 s\n' + 'STRENGTHENED Mutation.updateEmail: max age 60 s → 30 s\n',
    );
  });

  it('prints a Markdown table for a pull request', () => {
    const changes = diffPolicies(side(BASE), side(change('maxAge: 60', 'maxAge: 600')));
    expect(formatChanges(changes, 'markdown')).toBe(
      '| Change | Coordinate | Why |\n|---|---|---|\n| **weakened** | `Mutation.updateEmail` | max age 60 s → 600 s |\n',
    );
  });
});

describe('policy diff: approval bindings', () => {
  const BOUND = change(
    'transfer(id: ID!): Boolean @isAuthenticated(acrValue: HIGH)',
    'transfer(id: ID!, to: ID!): Boolean @isAuthenticated(acrValue: HIGH, binds: ["id", "to"], approvalType: "transfer")',
  );

  it('flags a binding removed as a weakening', () => {
    expect(diff(BOUND, BOUND.replace(', binds: ["id", "to"], approvalType: "transfer"', ''))).toEqual([
      'weakened Mutation.transfer: no longer needs an approval (transfer) of id, to',
    ]);
  });

  it('flags a binding narrowed to fewer arguments as a weakening', () => {
    expect(diff(BOUND, BOUND.replace('binds: ["id", "to"]', 'binds: ["id"]'))).toEqual(['weakened Mutation.transfer: approval no longer binds to']);
  });

  it('flags another approval type as a weakening', () => {
    expect(diff(BOUND, BOUND.replace('approvalType: "transfer"', 'approvalType: "move"'))).toEqual([
      'weakened Mutation.transfer: approval type transfer → move',
    ]);
  });

  it('reports a binding added as a strengthening', () => {
    expect(diff(BOUND.replace(', binds: ["id", "to"], approvalType: "transfer"', ''), BOUND)).toEqual([
      'strengthened Mutation.transfer: now needs an approval (transfer) of id, to',
    ]);
  });
});
