import { isObjectType, type GraphQLSchema } from 'graphql';
import type { PolicyTable } from '../graphql/policyTable.js';
import { isAtLeastAsStrict, type Requirement, type ScopeCondition, type ScopeConditions } from '../stepup/requirement.js';
import type { Ladder } from '../stepup/ladder.js';

export type ChangeKind = 'weakened' | 'strengthened' | 'added' | 'removed field';

/** One coordinate whose requirement changed between two schemas. */
export interface PolicyChange {
  readonly coordinate: string;
  readonly kind: ChangeKind;
  readonly before?: Requirement;
  readonly after?: Requirement;
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
 *   ALLOW` added — on a field that is still there — or a field of a protected type moved out to a place that protects it less. A level change
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
      if (after !== undefined) changes.push({ coordinate, kind: 'added', after, reason: `new field requiring ${describe(after)}` });
      continue;
    }
    const change = compare(ladder, coordinate, before, after);
    if (change !== undefined) changes.push(change);
  }
  return changes.sort((a, b) => a.coordinate.localeCompare(b.coordinate) || a.kind.localeCompare(b.kind));
}

const NONE: Requirement = Object.freeze({});

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
