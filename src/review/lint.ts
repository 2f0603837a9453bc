import { makeExecutableSchema } from '@graphql-tools/schema';
import { isNonNullType, isObjectType, type GraphQLSchema } from 'graphql';
import { buildPolicyTable, type PolicyTable } from '../graphql/policyTable.js';
import type { Ladder } from '../stepup/ladder.js';
import { isAtLeastAsStrict } from '../stepup/requirement.js';
import { describe } from './diff.js';

export type LintRule =
  | 'unknown-level'
  | 'invalid-approval'
  | 'unprotected-mutation'
  | 'non-null-protected'
  | 'interface-directive-not-carried'
  | 'inherited-requirement'
  | 'approval-leaves-arguments-free'
  | 'once-on-subscription';

export interface LintFinding {
  readonly rule: LintRule;
  readonly severity: 'error' | 'warning';
  readonly coordinate: string;
  readonly message: string;
}

/**
 * Lints SDL text: an unknown level is an error (the gateway would not start); the rest are warnings
 * from `lintPolicy`.
 */
export function lintSdl(sdl: string, ladder: Ladder): LintFinding[] {
  return lintSchema(makeExecutableSchema({ typeDefs: sdl }), ladder);
}

/** The same checks on a built schema (a composed supergraph's, say): a level the ladder lacks is a finding too. */
export function lintSchema(
  schema: GraphQLSchema,
  ladder: Ladder,
  complete: (schema: GraphQLSchema, table: PolicyTable) => PolicyTable = (_, table) => table,
): LintFinding[] {
  let table: PolicyTable;
  try {
    table = complete(schema, buildPolicyTable(schema, ladder));
  } catch (error) {
    const message = (error as Error).message;
    const coordinate = /^@\w+ on (\S+):/.exec(message)?.[1] ?? '';
    const rule = /"(binds|approvalType)"/.test(message) ? 'invalid-approval' : 'unknown-level';
    return [{ rule, severity: 'error', coordinate, message }];
  }
  return lintPolicy(schema, table);
}

/** Policy smells that do not stop the gateway but deserve a reviewer's eye. */
export function lintPolicy(schema: GraphQLSchema, table: PolicyTable): LintFinding[] {
  const findings: LintFinding[] = [];
  const mutation = schema.getMutationType();

  for (const field of Object.values(mutation?.getFields() ?? {})) {
    const coordinate = `${mutation!.name}.${field.name}`;
    if (!table.fields.has(coordinate)) {
      findings.push({
        rule: 'unprotected-mutation',
        severity: 'warning',
        coordinate,
        message: `${coordinate} is a mutation without @isAuthenticated: anyone may call it`,
      });
    }
  }

  // What the user approves is only what the call binds: an argument left free may change after approval.
  for (const [coordinate, binding] of table.approvals) {
    const field = mutation?.getFields()[coordinate.slice(coordinate.indexOf('.') + 1)];
    const bound = new Set(binding.arguments.map((path) => path.split('.')[0]));
    const free = (field?.args ?? []).filter((argument) => !bound.has(argument.name)).map((argument) => argument.name);
    if (free.length === 0) continue;
    findings.push({
      rule: 'approval-leaves-arguments-free',
      severity: 'warning',
      coordinate,
      message: `${coordinate} binds its approval to ${binding.arguments.join(', ')}, not to ${free.join(', ')}: the user approves a call whose ${free.join(', ')} may be anything; bind them or say why not`,
    });
  }

  // A one-time step-up serves one call; a subscription delivers many events, each decided again.
  const subscription = schema.getSubscriptionType();
  for (const field of Object.values(subscription?.getFields() ?? {})) {
    const coordinate = `${subscription!.name}.${field.name}`;
    const entry = table.fields.get(coordinate) ?? table.types.get(subscription!.name);
    if (entry?.requirement.once !== true) continue;
    findings.push({
      rule: 'once-on-subscription',
      severity: 'error',
      coordinate,
      message: `${coordinate} is a subscription field with a one-time step-up (once: true): one step-up cannot serve every event; the gateway refuses to subscribe to it. Drop "once" or make it a mutation`,
    });
  }

  for (const type of Object.values(schema.getTypeMap())) {
    // A refused subscription root ends the subscription with its error and no data: nothing to null.
    if (!isObjectType(type) || type.name.startsWith('__') || type === mutation || type === subscription) continue;
    const parentRequirement = table.types.get(type.name)?.requirement;
    for (const field of Object.values(type.getFields())) {
      const coordinate = `${type.name}.${field.name}`;
      const entry = table.fields.get(coordinate);
      // Mutation fields are refused whole before execution; a field no stricter than its own type is
      // refused where the type is reached, before the field itself resolves.
      if (entry === undefined || !isNonNullType(field.type)) continue;
      if (parentRequirement !== undefined && isAtLeastAsStrict(table.ladder, parentRequirement, entry.requirement)) continue;
      const parent = type === schema.getQueryType() ? `${type.name} (the whole data)` : type.name;
      findings.push({
        rule: 'non-null-protected',
        severity: 'warning',
        coordinate,
        message: `${coordinate} is non-null and needs ${describe(entry.requirement)}: a refusal nulls its parent ${parent}; make it nullable`,
      });
    }
  }

  for (const [coordinate, entry] of table.interfaceFields) {
    const [iface, name] = coordinate.split('.') as [string, string];
    const interfaceType = schema.getType(iface);
    if (interfaceType === undefined || !('getFields' in interfaceType)) continue;
    for (const implementation of schema.getPossibleTypes(interfaceType as never)) {
      const carried = table.fields.get(`${implementation.name}.${name}`)?.sources.some((source) => source.kind === 'field');
      if (!carried) {
        findings.push({
          rule: 'interface-directive-not-carried',
          severity: 'warning',
          coordinate: `${implementation.name}.${name}`,
          message: `${implementation.name}.${name} inherits ${describe(entry.requirement)} from ${coordinate} but does not carry @isAuthenticated: write it where the field is defined`,
        });
      }
    }
  }
  // A field the planner fetches protected fields for (@requires, an entity key): the gateway refuses it with
  // their requirement, but a subgraph or another router reading the SDL does not know it. Say so.
  for (const [coordinate, entry] of table.fields) {
    const inherited = entry.sources.filter((source) => source.kind === 'requires' || source.kind === 'key');
    if (inherited.length === 0) continue;
    const declared = entry.sources.filter((source) => source.kind !== 'requires' && source.kind !== 'key');
    const strictest =
      declared.length === 0 ? undefined : declared.map((source) => source.requirement).reduce((a, b) => (isAtLeastAsStrict(table.ladder, a, b) ? a : b));
    if (strictest !== undefined && isAtLeastAsStrict(table.ladder, strictest, entry.requirement)) continue;
    const via = [...new Set(inherited.map((source) => `${source.coordinate} (@${source.kind})`))].join(', ');
    findings.push({
      rule: 'inherited-requirement',
      severity: 'warning',
      coordinate,
      message: `${coordinate} makes the gateway fetch ${via}: it inherits ${describe(entry.requirement)} and is refused as they are; write it on the field so that every layer reads it`,
    });
  }
  return findings;
}
