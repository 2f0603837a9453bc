import { makeExecutableSchema } from '@graphql-tools/schema';
import { describe, expect, it } from 'vitest';
import { stepUpTypeDefs } from '../../src/graphql/loadSchema.js';
import { buildPolicyTable } from '../../src/graphql/policyTable.js';
import { parseManifest, sha256Hex } from '../../src/persisted/manifest.js';
import { annotateManifest, formatAnnotationsMarkdown } from '../../src/review/manifest.js';
import { createLadder } from '../../src/stepup/ladder.js';

describe('annotating a manifest with levels of several acr strings', () => {
  it('gives a partner every acr string of the levels that satisfy, as acr_values to ask for', () => {
    // LemonLDAP::NG issues `loa-<authentication level>`: more acr strings than the organisation has levels.
    const ladder = createLadder([
      { name: 'LOW', acr: ['loa-1', 'loa-2'] },
      { name: 'HIGH', acr: ['loa-3', 'loa-4'], maxAge: 300 },
    ]);
    const schema = makeExecutableSchema({ typeDefs: [stepUpTypeDefs(), 'type Query { vault: String @isAuthenticated(acrValue: HIGH) }'] });
    const document = 'query Vault { vault }';
    const manifest = parseManifest({ [sha256Hex(document)]: document }, 'm.json', schema);
    expect(formatAnnotationsMarkdown(annotateManifest(schema, buildPolicyTable(schema, ladder), manifest)).split('\n')[2]).toBe(
      '| Vault | query | HIGH within 300 s | loa-3 loa-4 | 300 | `Query.vault` |  |',
    );
  });
});
