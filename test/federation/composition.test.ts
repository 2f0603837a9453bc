import { describe, expect, it } from 'vitest';
import { gutHibSubgraphTypeDefs } from '../../examples/guthib/subgraphs/index.js';
import { CompositionError, composeSupergraph } from '../../src/federation/compose.js';
import { STEP_UP_SPEC_URL, stepUpSubgraphTypeDefs } from '../../src/federation/spec.js';

const accounts = { name: 'accounts', url: 'http://127.0.0.1:4001/', sdl: gutHibSubgraphTypeDefs('accounts') };
const repositories = { name: 'repositories', url: 'http://127.0.0.1:4002/', sdl: gutHibSubgraphTypeDefs('repositories') };

/** The findings of a composition that must fail. */
function findingsOf(subgraphs: Parameters<typeof composeSupergraph>[0]): readonly string[] {
  try {
    composeSupergraph(subgraphs);
  } catch (error) {
    if (error instanceof CompositionError) return error.findings;
    throw error;
  }
  throw new Error('composition succeeded');
}

describe('composing subgraphs', () => {
  it('keeps every @isAuthenticated of the example subgraphs in the supergraph', () => {
    const supergraph = composeSupergraph([accounts, repositories]);
    expect(supergraph.replace(/\s+/g, ' ')).toContain(`@link( url: "${STEP_UP_SPEC_URL}"`);
    expect(supergraph).toContain('email: String @isAuthenticated(acrValue: MEDIUM) @join__field(graph: ACCOUNTS)');
    expect(supergraph).toContain('type PaymentMethod implements Node @isAuthenticated(acrValue: HIGH)');
    expect(supergraph.replace(/\s+/g, ' ')).toContain(
      'transferRepositoryOwnership(repositoryId: ID!, newOwner: String!): Repository! @isAuthenticated( acrValue: HIGH once: true binds: ["repositoryId", "newOwner"] approvalType: "repository_transfer" ) @join__field(graph: REPOSITORIES)',
    );
  });

  it('refuses a subgraph whose policy composition would drop, naming the subgraph, the coordinate and the rule', () => {
    const withoutComposeDirective = accounts.sdl.replace('@composeDirective(name: "@isAuthenticated")', '');
    const findings = findingsOf([{ ...accounts, sdl: withoutComposeDirective }, repositories]);
    expect(findings).toContain(
      '[STEP_UP_POLICY_DROPPED] subgraph "accounts": User.email carries @isAuthenticated, but the composed supergraph does not; import it with @link from the step-up spec and keep it with @composeDirective(name: "@isAuthenticated")',
    );
  });

  it('refuses a subgraph whose definition of the directive differs from the spec', () => {
    const different = repositories.sdl.replace('maxAge: Int', 'maxAge: String');
    const findings = findingsOf([accounts, { ...repositories, sdl: different }]);
    expect(findings).toEqual([expect.stringMatching(/^\[STEP_UP_DEFINITION_MISMATCH\] subgraph "repositories": its definition of isAuthenticated differs/)]);
  });

  it("reports composition's own rule, with the coordinate and the subgraphs it names", () => {
    const header = stepUpSubgraphTypeDefs(['@key', '@shareable']);
    const findings = findingsOf([
      { name: 'left', url: 'http://127.0.0.1:4005/', sdl: `${header}\ntype Query { when: Int @shareable }` },
      { name: 'right', url: 'http://127.0.0.1:4006/', sdl: `${header}\ntype Query { when: String @shareable }` },
    ]);
    expect(findings).toEqual([expect.stringMatching(/^\[FIELD_TYPE_MISMATCH\] .*"Query\.when".*"left".*"right"/)]);
  });

  it('refuses an SDL that does not parse, naming the subgraph', () => {
    expect(findingsOf([accounts, { ...repositories, sdl: 'type {' }])).toEqual([
      expect.stringMatching(/^\[INVALID_GRAPHQL\] subgraph "repositories": its SDL does not parse/),
    ]);
  });

  it('accepts the header stepUpSubgraphTypeDefs prints for a subgraph with its own federation imports', () => {
    const sdl = `${stepUpSubgraphTypeDefs(['@key', '@shareable'])}\ntype Query { ping: String @shareable @isAuthenticated(acrValue: LOW) }`;
    expect(composeSupergraph([{ name: 'ping', url: 'http://127.0.0.1:4003/', sdl }])).toMatch(
      /ping: String @isAuthenticated\(acrValue: LOW\)|ping: String .*@isAuthenticated/,
    );
  });
});
