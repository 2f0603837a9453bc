import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import {
  Kind,
  parse,
  print,
  type ConstDirectiveNode,
  type DefinitionNode,
  type DocumentNode,
  type GraphQLError,
  type InterfaceTypeDefinitionNode,
  type InterfaceTypeExtensionNode,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
} from 'graphql';
import { DIRECTIVE_NAME } from '../graphql/policyTable.js';
import { STEP_UP_TYPE_DEFS } from '../graphql/directives.js';

/** A subgraph as the gateway composes it: its name in the supergraph, where it answers, and its SDL. */
export interface SubgraphSdl {
  readonly name: string;
  readonly url: string;
  readonly sdl: string;
}

/**
 * Composition refused the subgraphs: each finding names the rule, and the subgraph and the schema
 * coordinate when composition says which.
 */
export class CompositionError extends TypeError {
  readonly findings: readonly string[];
  constructor(findings: readonly string[]) {
    super(`the subgraphs do not compose:\n${findings.map((finding) => `  ${finding}`).join('\n')}`);
    this.name = 'CompositionError';
    this.findings = findings;
  }
}

/**
 * Composes subgraphs into a supergraph with `@theguild/federation-composition`, then checks what
 * composition lets pass silently: every `@isAuthenticated` a subgraph writes is in the supergraph at
 * the same coordinate (a subgraph without `@composeDirective` loses its policy otherwise), and every
 * subgraph defines the directive, `ACRValue` and `StepUpImpossible` as the spec does.
 */
export function composeSupergraph(subgraphs: readonly SubgraphSdl[]): string {
  const documents = subgraphs.map((subgraph) => {
    try {
      return { ...subgraph, document: parse(subgraph.sdl) };
    } catch (error) {
      throw new CompositionError([`[INVALID_GRAPHQL] subgraph "${subgraph.name}": its SDL does not parse: ${(error as Error).message}`]);
    }
  });
  const result = composeServices(documents.map(({ name, url, document }) => ({ name, url, typeDefs: document })));
  if (compositionHasErrors(result)) throw new CompositionError(result.errors.map(describeCompositionError));
  const supergraph = parse(result.supergraphSdl);
  const findings = documents.flatMap(({ name, document }) => [...definitionFindings(name, document), ...droppedPolicyFindings(name, document, supergraph)]);
  if (findings.length > 0) throw new CompositionError(findings);
  return result.supergraphSdl;
}

function describeCompositionError(error: GraphQLError): string {
  const rule = String(error.extensions['code'] ?? 'COMPOSITION_ERROR');
  const subgraph = error.extensions['subgraphName'];
  const named = typeof subgraph !== 'string' || error.message.includes(`"${subgraph}"`) || error.message.startsWith(`[${subgraph}] `);
  return `[${rule}] ${named ? '' : `subgraph "${subgraph}": `}${error.message}`;
}

/** The object and interface definitions and extensions of a document: the types with fields. */
export function typesWithFields(
  document: DocumentNode,
): Array<ObjectTypeDefinitionNode | ObjectTypeExtensionNode | InterfaceTypeDefinitionNode | InterfaceTypeExtensionNode> {
  return document.definitions.filter(
    (definition) =>
      definition.kind === Kind.OBJECT_TYPE_DEFINITION ||
      definition.kind === Kind.OBJECT_TYPE_EXTENSION ||
      definition.kind === Kind.INTERFACE_TYPE_DEFINITION ||
      definition.kind === Kind.INTERFACE_TYPE_EXTENSION,
  );
}

/** `Type` and `Type.field` coordinates that carry `@isAuthenticated` in a document, with each usage printed. */
function policyUsages(document: DocumentNode): Map<string, string[]> {
  const usages = new Map<string, string[]>();
  const add = (coordinate: string, directives: ReadonlyArray<ConstDirectiveNode> | undefined): void => {
    for (const directive of directives ?? []) {
      if (directive.name.value !== DIRECTIVE_NAME) continue;
      usages.set(coordinate, [...(usages.get(coordinate) ?? []), print(directive)]);
    }
  };
  for (const definition of typesWithFields(document)) {
    const type = definition.name.value;
    add(type, definition.directives);
    for (const field of definition.fields ?? []) add(`${type}.${field.name.value}`, field.directives);
  }
  return usages;
}

function droppedPolicyFindings(subgraph: string, document: DocumentNode, supergraph: DocumentNode): string[] {
  const composed = policyUsages(supergraph);
  const findings: string[] = [];
  for (const [coordinate] of policyUsages(document)) {
    if (composed.has(coordinate)) continue;
    findings.push(
      `[STEP_UP_POLICY_DROPPED] subgraph "${subgraph}": ${coordinate} carries @${DIRECTIVE_NAME}, but the composed supergraph does not; ` +
        'import it with @link from the step-up spec and keep it with @composeDirective(name: "@isAuthenticated")',
    );
  }
  return findings;
}

/**
 * Earlier versions of the spec's definitions a subgraph may still publish: a policy written before
 * approvals (`binds`, `approvalType`) existed means what it meant, so a base revision still composes.
 */
const EARLIER_DEFINITIONS = `
directive @isAuthenticated(acrValue: ACRValue, maxAge: Int, once: Boolean = false, ifCannotReauthenticate: StepUpImpossible = REFUSE) on FIELD_DEFINITION | OBJECT
`;

const CANONICAL = (() => {
  const definitions = new Map<string, Set<string>>();
  for (const source of [STEP_UP_TYPE_DEFS, EARLIER_DEFINITIONS]) {
    for (const definition of parse(source).definitions) {
      if (!('name' in definition) || definition.name === undefined) continue;
      const accepted = definitions.get(definition.name.value) ?? new Set<string>();
      definitions.set(definition.name.value, accepted.add(canonicalPrint(definition)));
    }
  }
  return definitions;
})();

/** A definition printed without descriptions and directives, to compare two subgraphs' definitions. */
function canonicalPrint(definition: DefinitionNode): string {
  const stripped = JSON.parse(
    JSON.stringify(definition, (key, value: unknown) => (key === 'description' || key === 'loc' ? undefined : value)),
  ) as DefinitionNode;
  if (stripped.kind === Kind.SCALAR_TYPE_DEFINITION || stripped.kind === Kind.ENUM_TYPE_DEFINITION) {
    return print({ ...stripped, directives: [] });
  }
  return print(stripped);
}

function definitionFindings(subgraph: string, document: DocumentNode): string[] {
  const findings: string[] = [];
  for (const definition of document.definitions) {
    if (!('name' in definition) || definition.name === undefined) continue;
    const expected = CANONICAL.get(definition.name.value);
    if (expected === undefined) continue;
    if (!expected.has(canonicalPrint(definition))) {
      findings.push(
        `[STEP_UP_DEFINITION_MISMATCH] subgraph "${subgraph}": its definition of ${definition.name.value} differs from the step-up spec's; ` +
          'copy it from stepUpSubgraphTypeDefs() of step-up-gateway/subgraph',
      );
    }
  }
  return findings;
}
