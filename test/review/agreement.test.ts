import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLError, isObjectType, type GraphQLResolveInfo } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Caller } from '../../src/graphql/context.js';
import { createStepUpState } from '../../src/graphql/context.js';
import { createOnceLedger } from '../../src/graphql/once.js';
import { createMemoryState } from '../../src/state/store.js';
import { applyStepUpGuards } from '../../src/graphql/guard.js';
import { withStepUpTypeDefs } from '../../src/graphql/loadSchema.js';
import { gutHibTypeDefs } from '../../examples/guthib/index.js';
import { buildPolicyTable } from '../../src/graphql/policyTable.js';
import { diffPolicies } from '../../src/review/diff.js';
import { policyReport } from '../../src/review/report.js';
import { createLadder } from '../../src/stepup/ladder.js';
import { satisfies } from '../../src/stepup/requirement.js';

const ladder = createLadder();
const schema = makeExecutableSchema({ typeDefs: withStepUpTypeDefs(gutHibTypeDefs()) });
const table = buildPolicyTable(schema, ladder);
const guarded = applyStepUpGuards(schema, table);
const report = new Map(policyReport(table).map((record) => [record.coordinate, record]));
const NOW = 1_800_000_000;

const probes: Array<[string, Caller]> = [
  ['anonymous', { kind: 'anonymous' }],
  ...(
    [
      ['bronze now', 'bronze', 0],
      ['silver now', 'silver', 0],
      ['silver 43201 s ago', 'silver', 43_201],
      ['gold now', 'gold', 0],
      ['gold 61 s ago', 'gold', 61],
      ['gold 301 s ago', 'gold', 301],
      ['unknown acr now', 'unknown', 0],
    ] as const
  ).map(([name, acr, age]): [string, Caller] => [
    name,
    { kind: 'principal', principal: { subject: 'alice', acr: `urn:mace:incommon:iap:${acr}`, authTime: NOW - age, expiresAt: NOW + 60, claims: {} } },
  ]),
];

/** Whether the resolve-time guard refuses the field to the caller (a `once` field claims from a fresh ledger). */
async function runtimeRefuses(typeName: string, fieldName: string, caller: Caller): Promise<boolean> {
  const type = guarded.getType(typeName);
  if (!isObjectType(type)) throw new Error(typeName);
  const stepUp = createStepUpState(caller, NOW, { ledger: createOnceLedger(createMemoryState()) });
  const resolve = type.getFields()[fieldName]!.resolve;
  if (resolve === undefined) return false; // no guard: the default resolver
  try {
    await resolve({}, {}, { stepUp }, { path: { key: fieldName, prev: undefined, typename: typeName } } as GraphQLResolveInfo);
    return false;
  } catch (error) {
    if (error instanceof GraphQLError && ['UNAUTHENTICATED', 'STEP_UP_REQUIRED', 'APPROVAL_REQUIRED'].includes(error.extensions['code'] as string)) return true;
    throw error;
  }
}

describe('the report, the diff and the runtime agree', () => {
  const coordinates = Object.values(schema.getTypeMap())
    .filter(isObjectType)
    .filter((type) => !type.name.startsWith('__'))
    .flatMap((type) => Object.keys(type.getFields()).map((field) => [type.name, field] as const));

  it('on whether every coordinate of the example schema is refused, for every kind of caller', async () => {
    const disagreements: string[] = [];
    for (const [typeName, fieldName] of coordinates) {
      const record = report.get(`${typeName}.${fieldName}`);
      for (const [probe, caller] of probes) {
        // No probe carries an approval: a call bound to its arguments is refused to every one of them.
        const reported =
          record !== undefined &&
          (caller.kind === 'anonymous' ||
            record.approval !== undefined ||
            !satisfies(ladder, caller.principal, { level: record.level, maxAge: record.maxAge }, NOW));
        if (reported !== (await runtimeRefuses(typeName, fieldName, caller))) disagreements.push(`${typeName}.${fieldName} for ${probe}`);
      }
    }
    expect({ checked: coordinates.length * probes.length, disagreements }).toEqual({ checked: 24 * 8, disagreements: [] });
  });

  it('on which coordinates are protected: a diff from an unprotected schema adds exactly the reported ones', () => {
    const bare = makeExecutableSchema({ typeDefs: withStepUpTypeDefs(gutHibTypeDefs()).replace(/(?<!directive )@isAuthenticated(\([^)]*\))?/g, '') });
    const changes = diffPolicies({ schema: bare, table: buildPolicyTable(bare, ladder) }, { schema, table });
    expect(changes.map((change) => [change.coordinate, change.after])).toEqual(
      [...report.values()].map((record) => [
        record.coordinate,
        { ...(record.level && { level: record.level }), ...(record.maxAge && { maxAge: record.maxAge }), ...(record.once && { once: true }) },
      ]),
    );
  });
});
