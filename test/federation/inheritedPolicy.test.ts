import { getStitchedSchemaFromSupergraphSdl } from '@graphql-tools/federation';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { composeSupergraph } from '../../src/federation/compose.js';
import { withInheritedRequirements } from '../../src/federation/inheritedPolicy.js';
import { stepUpSubgraphTypeDefs } from '../../src/federation/spec.js';
import { buildPolicyTable } from '../../src/graphql/policyTable.js';
import { lintPolicy } from '../../src/review/lint.js';
import { policyReport } from '../../src/review/report.js';
import { createLadder } from '../../src/stepup/ladder.js';

/** Inheritance as a pure function of a composed supergraph: no gateway, no subgraph running. */
const header = stepUpSubgraphTypeDefs(['@key', '@external', '@requires', '@shareable', '@interfaceObject']);
const ladder = createLadder();

function tableOf(subgraphs: Record<string, string>) {
  const supergraphSdl = composeSupergraph(
    Object.entries(subgraphs).map(([name, sdl]) => ({ name, url: `http://${name}.invalid/graphql`, sdl: `${header}\n${sdl}` })),
  );
  const schema = getStitchedSchemaFromSupergraphSdl({ supergraphSdl });
  return { schema, table: withInheritedRequirements(buildPolicyTable(schema, ladder), schema, parse(supergraphSdl)) };
}

const VAULT =
  'type Query { me: User } type User @key(fields: "id") { id: ID! pin: String @isAuthenticated(acrValue: HIGH) card: Card } type Card @key(fields: "id") { id: ID! cvc: String @isAuthenticated(acrValue: MEDIUM, maxAge: 60) }';

describe('requirements inherited through the planner', () => {
  it('gives a @requires field the requirement of the field it requires', () => {
    const { table } = tableOf({ vault: VAULT, lab: 'type User @key(fields: "id") { id: ID! pin: String @external hint: String @requires(fields: "pin") }' });
    expect(table.fields.get('User.hint')).toMatchObject({ requirement: { level: 'HIGH' }, sources: [{ kind: 'requires', coordinate: 'User.pin' }] });
  });

  it('combines the strictest of a nested field set', () => {
    const { table } = tableOf({
      vault: VAULT,
      lab: 'type User @key(fields: "id") { id: ID! pin: String @external card: Card @external hint: String @requires(fields: "pin card { cvc }") } type Card @key(fields: "id") { id: ID! cvc: String @external }',
    });
    const entry = table.fields.get('User.hint')!;
    expect(entry.requirement).toMatchObject({ level: 'HIGH', maxAge: 60 });
    expect(entry.sources.map((source) => source.coordinate)).toEqual(['User.pin', 'Card.cvc']);
  });

  it('follows a chain of @requires across subgraphs', () => {
    const { table } = tableOf({
      vault: VAULT,
      lab: 'type User @key(fields: "id") { id: ID! pin: String @external hint: String @requires(fields: "pin") }',
      echo: 'type User @key(fields: "id") { id: ID! hint: String @external echo: String @requires(fields: "hint") }',
    });
    expect(table.fields.get('User.echo')).toMatchObject({ requirement: { level: 'HIGH' }, sources: [{ kind: 'requires', coordinate: 'User.hint' }] });
  });

  it("gives the fields a subgraph serves for an entity the requirement of its key's protected fields", () => {
    const { table } = tableOf({
      vault: 'type Query { me: User } type User @key(fields: "id") { id: ID! code: String @shareable @isAuthenticated(acrValue: HIGH) }',
      badges: 'type User @key(fields: "id code") { id: ID! code: String @shareable badge: String }',
    });
    expect(table.fields.get('User.badge')).toMatchObject({ requirement: { level: 'HIGH' }, sources: [{ kind: 'key', coordinate: 'User.code' }] });
  });

  it('gives a field an @interfaceObject adds to every implementation the requirement of what it requires', () => {
    const { table } = tableOf({
      media:
        'type Query { media: [Media!]! } interface Media @key(fields: "id") { id: ID! secret: String @isAuthenticated(acrValue: HIGH) } type Book implements Media @key(fields: "id") { id: ID! secret: String @isAuthenticated(acrValue: HIGH) }',
      reviews: 'type Media @key(fields: "id") @interfaceObject { id: ID! secret: String @external reviewHint: String @requires(fields: "secret") }',
    });
    expect(table.fields.get('Book.reviewHint')).toMatchObject({ requirement: { level: 'HIGH' }, sources: [{ kind: 'requires', coordinate: 'Book.secret' }] });
  });

  it('leaves alone a field whose @requires selects nothing protected', () => {
    const { table } = tableOf({
      vault: `${VAULT} extend type User { name: String }`,
      lab: 'type User @key(fields: "id") { id: ID! name: String @external greeting: String @requires(fields: "name") }',
    });
    expect(table.fields.has('User.greeting')).toBe(false);
  });

  it('is shown by the report as inherited, and by lint as a warning naming what is fetched', () => {
    const { schema, table } = tableOf({
      vault: VAULT,
      lab: 'type User @key(fields: "id") { id: ID! pin: String @external hint: String @requires(fields: "pin") }',
    });
    expect(policyReport(table).find((row) => row.coordinate === 'User.hint')?.from).toEqual(['inherited from User.pin (@requires)']);
    expect(lintPolicy(schema, table).filter((finding) => finding.rule === 'inherited-requirement')).toEqual([
      {
        rule: 'inherited-requirement',
        severity: 'warning',
        coordinate: 'User.hint',
        message: expect.stringMatching(/^User\.hint makes the gateway fetch User\.pin \(@requires\): it inherits HIGH/),
      },
    ]);
  });
});
