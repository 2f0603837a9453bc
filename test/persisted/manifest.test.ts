import { makeExecutableSchema } from '@graphql-tools/schema';
import { describe, expect, it } from 'vitest';
import { withStepUpTypeDefs } from '../../src/graphql/loadSchema.js';
import { gutHibTypeDefs } from '../../examples/guthib/index.js';
import { buildPolicyTable } from '../../src/graphql/policyTable.js';
import { loadManifest, parseManifest, sha256Hex } from '../../src/persisted/manifest.js';
import { annotateManifest } from '../../src/review/manifest.js';
import { createLadder } from '../../src/stepup/ladder.js';

const schema = makeExecutableSchema({ typeDefs: withStepUpTypeDefs(gutHibTypeDefs()) });
const table = buildPolicyTable(schema, createLadder());
const body = '{ repositories { name } }';
const apollo = (operations: unknown[]) => ({ format: 'apollo-persisted-query-manifest', version: 1, operations });

describe('loading a manifest', () => {
  it('reads the Apollo format', () => {
    const manifest = loadManifest('examples/persisted-operations.json', schema);
    expect([...manifest.operations.values()].map((operation) => [operation.name, operation.type])).toEqual([
      ['RepositoryList', 'query'],
      ['ViewerEmail', 'query'],
      ['ViewerCards', 'query'],
      ['TransferRepository', 'mutation'],
    ]);
  });

  it('reads the GraphQL Code Generator format with the same ids', () => {
    const codegen = loadManifest('examples/persisted-documents.json', schema);
    const apolloIds = [...loadManifest('examples/persisted-operations.json', schema).operations.keys()];
    expect([...codegen.operations.keys()]).toEqual(apolloIds);
  });

  it('names the file and entry whose id is not the sha256 of its document', () => {
    expect(() => parseManifest(apollo([{ id: 'a'.repeat(64), name: 'Bad', type: 'query', body }]), 'm.json', schema)).toThrow(
      new TypeError(`m.json: entry "Bad" (${'a'.repeat(64)}): the id is not the sha256 of the document`),
    );
  });

  it('names the entry whose document is not valid against the schema', () => {
    const invalid = '{ secrets }';
    expect(() => parseManifest({ [sha256Hex(invalid)]: invalid }, 'docs.json', schema)).toThrow(
      new TypeError(`docs.json: entry ${sha256Hex(invalid)}: the document is not valid against the schema: Cannot query field "secrets" on type "Query".`),
    );
  });

  it('names the entry whose document does not parse', () => {
    const broken = '{ repositories {';
    expect(() => parseManifest({ [sha256Hex(broken)]: broken }, 'docs.json', schema)).toThrow(/^docs\.json: entry [0-9a-f]{64}: the document does not parse/);
  });

  it('names an id that is not a sha256', () => {
    expect(() => parseManifest({ 'not-a-hash': body }, 'docs.json', schema)).toThrow(
      new TypeError('docs.json: entry not-a-hash: the id must be 64 lowercase hex digits (sha256)'),
    );
  });

  it('refuses an unknown format', () => {
    expect(() => parseManifest({ format: 'relay', operations: [] }, 'x.json', schema)).toThrow(new TypeError('x.json: unknown manifest format "relay"'));
  });

  it('names a file that is not JSON', () => {
    expect(() => loadManifest('README.md', schema)).toThrow(/^persisted-operation manifest README\.md cannot be read as JSON/);
  });
});

describe('annotating a manifest for partners', () => {
  const annotations = annotateManifest(schema, table, loadManifest('examples/persisted-operations.json', schema));
  const byName = Object.fromEntries(annotations.map((annotation) => [annotation.name, annotation]));

  it('says a public operation needs no token', () => {
    expect(byName['RepositoryList']).toMatchObject({ requirement: undefined, challenge: {}, causes: [] });
  });

  it('says which operation needs HIGH, with the acr_values and max_age to ask for and why', () => {
    expect(byName['ViewerCards']).toMatchObject({
      requirement: { level: 'HIGH', maxAge: 300 },
      challenge: { acrValues: 'urn:mace:incommon:iap:gold', maxAge: 300 },
      causes: ['PaymentMethod.brand', 'PaymentMethod.last4', 'User.paymentMethods'],
    });
  });

  it('counts a field behind a variable @include as selected', () => {
    const document = 'query Maybe($cards: Boolean!) { viewer { login paymentMethods @include(if: $cards) { last4 } } }';
    const manifest = parseManifest({ [sha256Hex(document)]: document }, 'm.json', schema);
    expect(annotateManifest(schema, table, manifest)[0]!.requirement).toEqual({ level: 'HIGH', maxAge: 300 });
  });
});
