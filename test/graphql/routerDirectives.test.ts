import { makeExecutableSchema } from '@graphql-tools/schema';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { stepUpTypeDefs } from '../../src/graphql/loadSchema.js';
import { buildPolicyTable } from '../../src/graphql/policyTable.js';
import { diffPolicies, formatChanges } from '../../src/review/diff.js';
import { formatReportMarkdown, policyReport } from '../../src/review/report.js';
import { insufficientScopeChallenge } from '../../src/stepup/challenge.js';
import { createLadder } from '../../src/stepup/ladder.js';
import { combine, isAtLeastAsStrict, requirementOf, satisfies, unmetScopes } from '../../src/stepup/requirement.js';

const ladder = createLadder();
const NOW = 1_800_000_000;
const GOLD = 'urn:mace:incommon:iap:gold';

/** Apollo Router's definitions (https://www.apollographql.com/docs/graphos/routing/security/authorization). */
const ROUTER = `
  directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
`;
const tableOf = (sdl: string) => buildPolicyTable(makeExecutableSchema({ typeDefs: [stepUpTypeDefs(), ROUTER, sdl] }), ladder);
const requirementAt = (sdl: string, coordinate: string) => tableOf(sdl).fields.get(coordinate)?.requirement;

describe("the policy table reads Apollo Router's directives", () => {
  it('reads @authenticated on a field as any valid token', () => {
    expect(requirementAt('type Query { me: String @authenticated }', 'Query.me')).toEqual({});
  });

  it('reads @requiresScopes on a field as one condition, an OR of ANDs', () => {
    expect(requirementAt('type Query { repo: String @requiresScopes(scopes: [["repo:read", "repo:write"], ["repo:admin"]]) }', 'Query.repo')).toEqual({
      scopes: [[['repo:read', 'repo:write'], ['repo:admin']]],
    });
  });

  it('gives every field returning a type the @requiresScopes of that type', () => {
    const table = tableOf('type Query { billing: Billing } type Billing @requiresScopes(scopes: [["billing"]]) { total: Int }');
    expect(table.fields.get('Query.billing')?.requirement).toEqual({ scopes: [[['billing']]] });
    expect(table.fields.get('Billing.total')?.requirement).toEqual({ scopes: [[['billing']]] });
  });

  it('protects every field returning an interface that carries @authenticated', () => {
    const table = tableOf('type Query { node: Node } interface Node @authenticated { id: ID } type Repo implements Node { id: ID }');
    expect([table.fields.get('Query.node')?.requirement, table.abstractTypes.get('Node')?.requirement]).toEqual([{}, {}]);
  });

  it('protects every field returning a scalar that carries @requiresScopes', () => {
    expect(requirementAt('type Query { secret: Secret } scalar Secret @requiresScopes(scopes: [["vault"]])', 'Query.secret')).toEqual({
      scopes: [[['vault']]],
    });
  });

  it('reads @requiresScopes written on an extend type', () => {
    expect(requirementAt('type Query { a: Int } extend type Query @requiresScopes(scopes: [["admin"]])', 'Query.a')).toEqual({ scopes: [[['admin']]] });
  });

  it('combines @requiresScopes with @isAuthenticated on one field to both', () => {
    expect(requirementAt('type Query { a: Int @isAuthenticated(acrValue: HIGH) @requiresScopes(scopes: [["admin"]]) }', 'Query.a')).toEqual({
      level: 'HIGH',
      maxAge: 300,
      scopes: [[['admin']]],
    });
  });

  it('coerces a lone scope as GraphQL coerces a list input: scopes: ["a", "b"] is "a" or "b"', () => {
    expect(requirementAt('type Query { a: Int @requiresScopes(scopes: ["a", "b"]) }', 'Query.a')).toEqual({ scopes: [[['a'], ['b']]] });
  });

  it('reads the directives under the names a @link import gives them', () => {
    const table = buildPolicyTable(
      buildSchema(`
        directive @federation__authenticated on FIELD_DEFINITION | OBJECT
        directive @federation__requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT
        type Query { me: String @federation__authenticated, admin: String @federation__requiresScopes(scopes: [["admin"]]) }
      `),
      ladder,
    );
    expect(table.fields.get('Query.me')?.requirement).toEqual({});
    expect(table.fields.get('Query.admin')?.requirement).toEqual({ scopes: [[['admin']]] });
  });

  it('takes both conditions when @requiresScopes appears twice on one field, not the first', () => {
    // Composing @shareable fields may leave the directive twice where SDL validation would refuse it.
    const schema = buildSchema(`${ROUTER} type Query { a: Int @requiresScopes(scopes: [["read"]]) @requiresScopes(scopes: [["admin"], ["owner"]]) }`, {
      assumeValidSDL: true,
    });
    expect(buildPolicyTable(schema, ladder).fields.get('Query.a')?.requirement).toEqual({ scopes: [[['read']], [['admin'], ['owner']]] });
  });

  it('takes the stricter when @isAuthenticated appears twice on one field, not the first', () => {
    const schema = buildSchema(`${stepUpTypeDefs()} type Query { a: Int @isAuthenticated(acrValue: MEDIUM) @isAuthenticated(acrValue: HIGH, maxAge: 60) }`, {
      assumeValidSDL: true,
    });
    expect(buildPolicyTable(schema, ladder).fields.get('Query.a')?.requirement).toEqual({ level: 'HIGH', maxAge: 60 });
  });

  it('stops on @requiresScopes with no set of scopes and names the coordinate', () => {
    expect(() => tableOf('type Query { a: Int @requiresScopes(scopes: []) }')).toThrow(
      new TypeError('@requiresScopes on Query.a: "scopes" must list at least one set of scopes'),
    );
  });

  it('stops on a scope that is not a scope token and names the coordinate', () => {
    expect(() => tableOf('type Query { a: Int @requiresScopes(scopes: [["repo admin"]]) }')).toThrow(
      new TypeError('@requiresScopes on Query.a: "scopes" holds "repo admin", which is not a scope token (RFC 6749 §3.3)'),
    );
  });
});

describe('scope conditions in a requirement', () => {
  const adminOrOwner = requirementOf(ladder, { scopes: [['repo:admin'], ['repo:owner']] });
  const readAndWrite = requirementOf(ladder, { scopes: [['repo:read', 'repo:write']] });

  it('is met by a scope claim that grants one of the sets, space separated (RFC 9068 §2.2.3)', () => {
    expect(satisfies(ladder, { claims: { scope: 'openid repo:owner' } }, adminOrOwner, NOW)).toBe(true);
  });

  it('is not met by a scope claim that grants only part of a set', () => {
    expect(satisfies(ladder, { claims: { scope: 'repo:read' } }, readAndWrite, NOW)).toBe(false);
  });

  it('is met by an scp claim that is an array of strings', () => {
    expect(satisfies(ladder, { claims: { scp: ['repo:write', 'repo:read'] } }, readAndWrite, NOW)).toBe(true);
  });

  it('is not met by a token without any scope claim', () => {
    expect(satisfies(ladder, { claims: {} }, adminOrOwner, NOW)).toBe(false);
  });

  it('needs every condition once combined', () => {
    const both = combine(ladder, adminOrOwner, readAndWrite);
    expect(unmetScopes({ claims: { scope: 'repo:admin' } }, both)).toEqual([['repo:read', 'repo:write']]);
  });

  it('keeps one copy of a condition combined with itself written in another order', () => {
    const reordered = requirementOf(ladder, { scopes: [['repo:owner'], ['repo:admin']] });
    expect(combine(ladder, adminOrOwner, reordered)).toEqual({ scopes: [[['repo:admin'], ['repo:owner']]] });
  });

  it('still asks for the level when the scopes are granted', () => {
    const strong = combine(ladder, requirementOf(ladder, { acrValue: 'HIGH' }), adminOrOwner);
    expect(satisfies(ladder, { acr: GOLD, authTime: NOW - 301, claims: { scope: 'repo:admin' } }, strong, NOW)).toBe(false);
  });

  it('is not implied by a requirement without it', () => {
    expect(isAtLeastAsStrict(ladder, { level: 'HIGH' }, adminOrOwner)).toBe(false);
  });

  it('is implied by a condition whose every set holds one of its sets', () => {
    expect(isAtLeastAsStrict(ladder, requirementOf(ladder, { scopes: [['repo:admin', 'x']] }), adminOrOwner)).toBe(true);
  });

  it('is not implied by a condition with a set that holds none of its sets', () => {
    expect(isAtLeastAsStrict(ladder, requirementOf(ladder, { scopes: [['repo:admin'], ['repo:read']] }), adminOrOwner)).toBe(false);
  });
});

describe('the insufficient_scope challenge', () => {
  it('names the first set of the condition in scope and every set in error_description (RFC 6750 §3.1)', () => {
    expect(insufficientScopeChallenge([['a', 'b'], ['c']], 'guthib')).toBe(
      `Bearer realm="guthib", error="insufficient_scope", error_description="This needs the scopes 'a' and 'b' (or the scope 'c')", scope="a b"`,
    );
  });
});

describe('the reviewer tooling', () => {
  it('prints the scope conditions of a field in the report', () => {
    const report = formatReportMarkdown(policyReport(tableOf('type Query { a: Int @requiresScopes(scopes: [["a", "b"], ["c"]]) }')));
    expect(report).toContain('| `Query.a` | any valid token; scopes: [a b] or [c] |  | none | field |');
  });

  it('reports a scope condition removed from a field as a weakening', () => {
    const side = (sdl: string) => {
      const schema = makeExecutableSchema({ typeDefs: [stepUpTypeDefs(), ROUTER, sdl] });
      return { schema, table: buildPolicyTable(schema, ladder) };
    };
    const changes = diffPolicies(side('type Query { a: Int @requiresScopes(scopes: [["admin"]]) }'), side('type Query { a: Int @authenticated }'));
    expect(formatChanges(changes, 'text')).toBe('WEAKENED Query.a: no longer needs scopes [admin]\n');
  });
});
