import { readFileSync } from 'node:fs';
import { buildASTSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { STEP_UP_TYPE_DEFS } from '../src/graphql/directives.js';
import { FEDERATION_SPEC_URL, STEP_UP_SPEC_URL, stepUpSubgraphTypeDefs } from '../src/federation/spec.js';

/** schema/ is the policy vocabulary a reviewer opens first; the gateway reads it, so the two cannot drift. */
describe('the project SDL in schema/', () => {
  it('defines @isAuthenticated, ACRValue and StepUpImpossible as one valid document', () => {
    const schema = buildASTSchema(parse(`${STEP_UP_TYPE_DEFS}\ntype Query { ok: Boolean }`));
    expect([schema.getDirective('isAuthenticated')?.name, schema.getType('ACRValue')?.name, schema.getType('StepUpImpossible')?.name]).toEqual([
      'isAuthenticated',
      'ACRValue',
      'StepUpImpossible',
    ]);
  });

  it('is what the gateway adds to graphs, comments aside', () => {
    expect(readFileSync('schema/step-up.graphql', 'utf8').endsWith(STEP_UP_TYPE_DEFS)).toBe(true);
  });

  it('links the subgraph header to the spec URLs the gateway composes with', () => {
    const header = readFileSync('schema/subgraph-link.graphql', 'utf8');
    expect(header).toContain(`@link(url: "${FEDERATION_SPEC_URL}"`);
    expect(header).toContain(`@link(url: "${STEP_UP_SPEC_URL}"`);
  });

  it("writes a subgraph's own federation imports into the header", () => {
    expect(stepUpSubgraphTypeDefs(['@key', '@shareable'])).toContain(`@link(url: "${FEDERATION_SPEC_URL}", import: ["@composeDirective","@key","@shareable"])`);
  });
});
