import type { GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { Kind } from 'graphql';
import { requirementsOfOperation } from '../graphql/operationPolicy.js';
import type { PolicyTable } from '../graphql/policyTable.js';
import type { PersistedManifest } from '../persisted/manifest.js';
import { challengeOf, type Challenge } from '../stepup/challenge.js';
import { combineAll, type Requirement } from '../stepup/requirement.js';
import type { ApprovalBinding } from '../stepup/approval.js';
import { describe, describeBinding } from './diff.js';

/** What a partner needs to know about one persisted operation before calling it. */
export interface OperationAnnotation {
  readonly id: string;
  readonly name: string | undefined;
  readonly type: 'query' | 'mutation' | 'subscription';
  /** The strictest requirement the operation can meet at run time; absent when it needs no token. */
  readonly requirement: Requirement | undefined;
  /** `acrValues` and `maxAge` to ask the provider for before calling; empty when none. */
  readonly challenge: Challenge;
  /** The coordinates that make it that strict. */
  readonly causes: readonly string[];
  /**
   * The calls bound to their arguments, by coordinate: each run needs a token carrying the user's approval of
   * that call's values (`authorization_details` of this type naming these arguments), used once.
   */
  readonly approvals: Readonly<Record<string, ApprovalBinding>>;
}

/**
 * Annotates every operation of a manifest with the strictest requirement it may meet: variables in
 * `@skip`/`@include` are unknown here, so conditional fields count as selected.
 */
export function annotateManifest(schema: GraphQLSchema, table: PolicyTable, manifest: PersistedManifest): OperationAnnotation[] {
  return [...manifest.operations.values()].map((operation) => {
    const definition = operation.document.definitions.find((node): node is OperationDefinitionNode => node.kind === Kind.OPERATION_DEFINITION)!;
    const selected = requirementsOfOperation(schema, table, operation.document, definition, {}, { unknownVariables: 'include' });
    const requirement = combineAll(
      table.ladder,
      selected.map((entry) => entry.requirement),
    );
    const causes =
      requirement === undefined
        ? []
        : selected
            .filter(
              (entry) =>
                (requirement.level !== undefined && entry.requirement.level === requirement.level) ||
                (requirement.maxAge !== undefined && entry.requirement.maxAge === requirement.maxAge) ||
                (requirement.level === undefined && requirement.maxAge === undefined),
            )
            .map((entry) => entry.coordinate);
    return {
      id: operation.id,
      name: operation.name,
      type: operation.type,
      requirement,
      challenge: requirement === undefined ? {} : challengeOf(table.ladder, requirement),
      causes: [...new Set(causes)].sort(),
      approvals: Object.fromEntries(
        selected
          .filter((entry) => definition.operation === 'mutation' && entry.path.length === 1 && table.approvals.has(entry.coordinate))
          .map((entry) => [entry.coordinate, table.approvals.get(entry.coordinate)!]),
      ),
    };
  });
}

export function formatAnnotationsMarkdown(annotations: readonly OperationAnnotation[]): string {
  return (
    [
      '| Operation | Type | Needs | acr_values | max_age | Because of | Approval per call |',
      '|---|---|---|---|---|---|---|',
      ...annotations.map(
        (annotation) =>
          `| ${annotation.name ?? annotation.id.slice(0, 12)} | ${annotation.type} | ${annotation.requirement === undefined ? 'no token' : describe(annotation.requirement)} | ` +
          `${annotation.challenge.acrValues ?? ''} | ${annotation.challenge.maxAge ?? ''} | ${annotation.causes.map((cause) => `\`${cause}\``).join(', ')} | ` +
          `${Object.entries(annotation.approvals)
            .map(([coordinate, binding]) => `\`${coordinate}\`: ${describeBinding(binding)}`)
            .join('; ')} |`,
      ),
    ].join('\n') + '\n'
  );
}
