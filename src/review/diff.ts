import { isObjectType, type GraphQLSchema } from 'graphql';
import type { PolicyTable } from '../graphql/policyTable.js';
import { isAtLeastAsStrict, type Requirement, type ScopeCondition, type ScopeConditions } from '../stepup/requirement.js';
import type { Ladder } from '../stepup/ladder.js';
import type { ApprovalBinding } from '../stepup/approval.js';

export type ChangeKind = 'weakened' | 'strengthened' | 'added' | 'removed field';

/** One coordinate whose requirement changed between two schemas. */
export interface PolicyChange {
  readonly coordinate: string;
  readonly kind: ChangeKind;
  readonly before?: Requirement;
  readonly after?: Requirement;
  /** The approval binding before and after, when either side binds the call to its arguments. */
  readonly approvalBefore?: ApprovalBinding;
  readonly approvalAfter?: ApprovalBinding;
  /** One line a reviewer can read without the schema at hand. */
  readonly reason: string;
}

export interface PolicySide {
  readonly schema: GraphQLSchema;
  readonly table: PolicyTable;
}

/**
 * Compares two policies coordinate by coordinate, like graphql-js `findBreakingChanges` compares two
 * schemas: the result is records; printing and exit codes belong to the caller.
 *
 * - **weakened**: a requirement removed, a lower level, a longer (or no) max age, `ifCannotReauthenticate:
 *   ALLOW` added, an approval binding removed, narrowed (an argument no longer bound) or given another type — on a
 *   field that is still there — or a field of a protected type moved out to a place that protects it less. A level change
 *   names the acr strings it lets in (or, strengthened, shuts out).
 * - **strengthened**: a field that is still there asks more, and nowhere less.
 * - **added**: a new field that carries a requirement.
 * - **removed field**: a protected field that is gone (and did not reappear weaker elsewhere).
 *
 * Both sides are read with the same ladder, so a change to the ladder itself is not seen here.
 */
export function diffPolicies(base: PolicySide, head: PolicySide): PolicyChange[] {
  const ladder = head.table.ladder;
  const baseFields = objectFields(base.schema);
  const headFields = objectFields(head.schema);
  const changes: PolicyChange[] = [];
  const movedTo = new Set<string>();

  for (const coordinate of baseFields) {
    const before = base.table.fields.get(coordinate)?.requirement;
    if (headFields.has(coordinate) || before === undefined) continue;
    const name = coordinate.slice(coordinate.indexOf('.') + 1);
    const landings = [...headFields].filter((candidate) => !baseFields.has(candidate) && candidate.endsWith(`.${name}`));
    const weaker = landings.filter((candidate) => !isAtLeastAsStrict(ladder, head.table.fields.get(candidate)?.requirement ?? NONE, before));
    for (const landing of weaker) {
      const after = head.table.fields.get(landing)?.requirement;
      movedTo.add(landing);
      changes.push({
        coordinate: landing,
        kind: 'weakened',
        before,
        after,
        reason: `moved out of ${coordinate} (${describe(before)}) to ${landing} (${describe(after)})`,
      });
    }
    changes.push({ coordinate, kind: 'removed field', before, reason: `removed; it required ${describe(before)}` });
  }

  for (const coordinate of headFields) {
    if (movedTo.has(coordinate)) continue;
    const before = base.table.fields.get(coordinate)?.requirement;
    const after = head.table.fields.get(coordinate)?.requirement;
    if (!baseFields.has(coordinate)) {
      const binding = head.table.approvals.get(coordinate);
      const approval = binding === undefined ? '' : `, ${describeBinding(binding)}`;
      if (after !== undefined)
        changes.push({
          coordinate,
          kind: 'added',
          after,
          ...(binding === undefined ? {} : { approvalAfter: binding }),
          reason: `new field requiring ${describe(after)}${approval}`,
        });
      continue;
    }
    const change = compare(ladder, coordinate, before, after);
    const approval = compareApprovals(base.table.approvals.get(coordinate), head.table.approvals.get(coordinate));
    if (approval !== undefined) changes.push(withApprovalChange(coordinate, change, approval));
    else if (change !== undefined) changes.push(change);
  }
  return changes.sort((a, b) => a.coordinate.localeCompare(b.coordinate) || a.kind.localeCompare(b.kind));
}

const NONE: Requirement = Object.freeze({});

/** `an approval (repository_transfer) of repositoryId, newOwner`. */
export function describeBinding(binding: ApprovalBinding): string {
  return `an approval (${binding.type}) of ${binding.arguments.join(', ')}`;
}

interface ApprovalChange {
  readonly weaker: readonly string[];
  readonly stronger: readonly string[];
  readonly before: ApprovalBinding | undefined;
  readonly after: ApprovalBinding | undefined;
}

/** How a call's approval binding changed: removed, narrowed or retyped is weaker; added or widened is stronger. */
function compareApprovals(before: ApprovalBinding | undefined, after: ApprovalBinding | undefined): ApprovalChange | undefined {
  if (before === undefined && after === undefined) return undefined;
  const weaker: string[] = [];
  const stronger: string[] = [];
  if (after === undefined) weaker.push(`no longer needs ${describeBinding(before!)}`);
  else if (before === undefined) stronger.push(`now needs ${describeBinding(after)}`);
  else {
    const dropped = before.arguments.filter((path) => !after.arguments.includes(path));
    const added = after.arguments.filter((path) => !before.arguments.includes(path));
    // Approvals of another type are other approvals: a provider policy written for the old type no longer applies.
    if (before.type !== after.type) weaker.push(`approval type ${before.type} → ${after.type}`);
    if (dropped.length > 0) weaker.push(`approval no longer binds ${dropped.join(', ')}`);
    if (added.length > 0) stronger.push(`approval now binds ${added.join(', ')}`);
  }
  return weaker.length === 0 && stronger.length === 0 ? undefined : { weaker, stronger, before, after };
}

function withApprovalChange(coordinate: string, change: PolicyChange | undefined, approval: ApprovalChange): PolicyChange {
  const reasons = [...(change === undefined ? [] : [change.reason]), ...approval.weaker, ...approval.stronger];
  const kind = change?.kind === 'weakened' || approval.weaker.length > 0 ? 'weakened' : 'strengthened';
  return {
    coordinate,
    kind,
    ...(change?.before === undefined ? {} : { before: change.before }),
    ...(change?.after === undefined ? {} : { after: change.after }),
    ...(approval.before === undefined ? {} : { approvalBefore: approval.before }),
    ...(approval.after === undefined ? {} : { approvalAfter: approval.after }),
    reason: reasons.join(', '),
  };
}

function compare(ladder: Ladder, coordinate: string, before: Requirement | undefined, after: Requirement | undefined): PolicyChange | undefined {
  if (before === undefined && after === undefined) return undefined;
  if (after === undefined) return { coordinate, kind: 'weakened', before, reason: `no longer protected; it required ${describe(before)}` };
  if (before === undefined) return { coordinate, kind: 'strengthened', after, reason: `now requires ${describe(after)}` };
  const weakerBy: string[] = [];
  const strongerBy: string[] = [];
  const rank = (level: string | undefined) => (level === undefined ? -1 : ladder.byName.get(level)!.rank);
  if (rank(after.level) < rank(before.level)) {
    weakerBy.push(`level ${before.level} → ${after.level ?? 'any'}${acrNote('also accepts', acrsBetween(ladder, after.level, before.level))}`);
  }
  if (rank(after.level) > rank(before.level)) {
    strongerBy.push(`level ${before.level ?? 'any'} → ${after.level}${acrNote('no longer accepts', acrsBetween(ladder, before.level, after.level))}`);
  }
  const age = (value: number | undefined) => value ?? Number.POSITIVE_INFINITY;
  const ageText = (value: number | undefined) => (value === undefined ? 'none' : `${value} s`);
  if (age(after.maxAge) > age(before.maxAge)) weakerBy.push(`max age ${ageText(before.maxAge)} → ${ageText(after.maxAge)}`);
  if (age(after.maxAge) < age(before.maxAge)) strongerBy.push(`max age ${ageText(before.maxAge)} → ${ageText(after.maxAge)}`);
  if (before.once === true && after.once !== true) weakerBy.push('no longer once per authentication');
  if (before.once !== true && after.once === true) strongerBy.push('now once per authentication');
  // `ifCannotReauthenticate: ALLOW` resolves the field for a caller who cannot step up, below the level.
  if (before.allowIfCannotReauthenticate !== true && after.allowIfCannotReauthenticate === true) weakerBy.push('now lets callers who cannot step up through');
  if (before.allowIfCannotReauthenticate === true && after.allowIfCannotReauthenticate !== true)
    strongerBy.push('no longer lets callers who cannot step up through');
  // A scope condition one side asks and the other does not imply (Apollo Router's `@requiresScopes`).
  const notImplied = (by: Requirement, conditions: ScopeConditions | undefined) =>
    (conditions ?? []).filter((condition) => !isAtLeastAsStrict(ladder, { scopes: by.scopes }, { scopes: [condition] }));
  const dropped = notImplied(after, before.scopes);
  const added = notImplied(before, after.scopes);
  if (dropped.length > 0) weakerBy.push(`no longer needs scopes ${describeScopeConditions(dropped)}`);
  if (added.length > 0) strongerBy.push(`now needs scopes ${describeScopeConditions(added)}`);
  if (weakerBy.length > 0) return { coordinate, kind: 'weakened', before, after, reason: [...weakerBy, ...strongerBy].join(', ') };
  if (strongerBy.length > 0) return { coordinate, kind: 'strengthened', before, after, reason: strongerBy.join(', ') };
  return undefined;
}

/**
 * The acr strings of the levels from `lower` (included) up to `higher` (excluded): the tokens a level
 * change lets in or shuts out. A level may have several acr strings, and a reviewer cannot see them in
 * the level's name. None when either side has no level: "any" says it already.
 */
function acrsBetween(ladder: Ladder, lower: string | undefined, higher: string | undefined): string[] {
  if (lower === undefined || higher === undefined) return [];
  const [from, to] = [ladder.byName.get(lower)!.rank, ladder.byName.get(higher)!.rank];
  return ladder.levels.filter((level) => level.rank >= from && level.rank < to).flatMap((level) => level.acrs);
}

function acrNote(verb: string, acrs: readonly string[]): string {
  return acrs.length === 0 ? '' : ` (${verb} ${acrs.join(' ')})`;
}

/** `HIGH within 300 s`, `any valid token`, `any level within 60 s`, `any valid token, scopes: [a b] or [c]`. */
export function describe(requirement: Requirement | undefined): string {
  if (requirement === undefined) return 'nothing';
  const level = requirement.level ?? (requirement.maxAge === undefined ? 'any valid token' : 'any level');
  const text = requirement.maxAge === undefined ? level : `${level} within ${requirement.maxAge} s`;
  const scopes = requirement.scopes === undefined ? '' : `, scopes: ${describeScopeConditions(requirement.scopes)}`;
  return `${requirement.once === true ? `${text}, once` : text}${scopes}`;
}

/** `[a b] or [c]`: the sets of one condition (scopes in a set all needed, any one set will do); conditions joined by `and`. */
export function describeScopeConditions(conditions: ScopeConditions): string {
  const one = (condition: ScopeCondition) => condition.map((set) => `[${set.join(' ')}]`).join(' or ');
  return conditions.map((condition) => (conditions.length > 1 && condition.length > 1 ? `(${one(condition)})` : one(condition))).join(' and ');
}

function objectFields(schema: GraphQLSchema): Set<string> {
  const coordinates = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const name of Object.keys(type.getFields())) coordinates.add(`${type.name}.${name}`);
  }
  return coordinates;
}

/** One line per change, weakenings first: what a CI log or a pull request shows. */
export function formatChanges(changes: readonly PolicyChange[], format: 'text' | 'markdown'): string {
  const order: ChangeKind[] = ['weakened', 'removed field', 'strengthened', 'added'];
  const sorted = [...changes].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  if (sorted.length === 0) return format === 'markdown' ? 'No change to the step-up policy.\n' : 'no change to the step-up policy\n';
  if (format === 'text') return sorted.map((change) => `${change.kind.toUpperCase()} ${change.coordinate}: ${change.reason}`).join('\n') + '\n';
  return (
    [
      '| Change | Coordinate | Why |',
      '|---|---|---|',
      ...sorted.map((change) => `| ${change.kind === 'weakened' ? '**weakened**' : change.kind} | \`${change.coordinate}\` | ${change.reason} |`),
    ].join('\n') + '\n'
  );
}
