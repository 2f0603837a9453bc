import { makeExecutableSchema } from '@graphql-tools/schema';
import { describe, expect, it } from 'vitest';
import { stepUpTypeDefs } from '../../src/graphql/loadSchema.js';
import { buildPolicyTable } from '../../src/graphql/policyTable.js';
import { formatReportMarkdown, policyReport } from '../../src/review/report.js';
import { createLadder } from '../../src/stepup/ladder.js';

/** LemonLDAP::NG issues `loa-<authentication level>`: more acr strings than the organisation has levels. */
const lemonTable = () => {
  const ladder = createLadder([
    { name: 'LOW', acr: ['loa-1', 'loa-2'] },
    { name: 'HIGH', acr: ['loa-3', 'loa-4', 'loa-5'], maxAge: 300 },
  ]);
  const schema = makeExecutableSchema({ typeDefs: [stepUpTypeDefs(), 'type Query { vault: String @isAuthenticated(acrValue: HIGH) }'] });
  return buildPolicyTable(schema, ladder);
};

describe('the policy report with levels of several acr strings', () => {
  it('lists every acr string of the level that satisfies', () => {
    expect(policyReport(lemonTable())).toEqual([
      { coordinate: 'Query.vault', level: 'HIGH', acrValues: 'loa-3 loa-4 loa-5', maxAge: 300, maxAgeFromLadder: true, from: ['field'] },
    ]);
  });

  it('prints every acr string of the level in the Markdown table', () => {
    expect(formatReportMarkdown(policyReport(lemonTable())).split('\n')[2]).toBe(
      '| `Query.vault` | HIGH | `loa-3` `loa-4` `loa-5` | 300 s (ladder default) | field |',
    );
  });
});
