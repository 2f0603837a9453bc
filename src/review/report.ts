import type { PolicySource, PolicyTable } from '../graphql/policyTable.js';
import { challengeOf } from '../stepup/challenge.js';
import type { ScopeConditions } from '../stepup/requirement.js';
import type { ApprovalBinding } from '../stepup/approval.js';
import { describeBinding, describeScopeConditions } from './diff.js';

/** One protected schema coordinate, as a reviewer reads it. */
export interface PolicyRecord {
  readonly coordinate: string;
  /** The level as the schema writes it; absent for "any valid token". */
  readonly level?: string;
  /** acr strings that satisfy, weakest first. */
  readonly acrValues?: string;
  /** Seconds; absent when no max age applies. */
  readonly maxAge?: number;
  /** Whether the max age is the ladder's default for the level, not written on a directive. */
  readonly maxAgeFromLadder: boolean;
  /** One execution per authentication (`once: true`). */
  readonly once?: true;
  /** Scope conditions (Apollo Router's `@requiresScopes`), all needed; absent when none. */
  readonly scopes?: ScopeConditions;
  /** Where the requirement comes from, e.g. `field`, `type PaymentMethod`, `returns PaymentMethod`. */
  readonly from: readonly string[];
  /** A mutation call bound to its arguments: each call needs the user's approval of these values (`binds`). */
  readonly approval?: ApprovalBinding;
}

/** Every protected object field of the table, sorted by coordinate. */
export function policyReport(table: PolicyTable): PolicyRecord[] {
  return [...table.fields.values()]
    .map((entry) => {
      const { requirement } = entry;
      const challenge = challengeOf(table.ladder, requirement);
      // The max age "comes from the ladder" when every source that sets it got it there.
      const setters = entry.sources.filter((source) => source.requirement.maxAge === requirement.maxAge);
      const record: { -readonly [K in keyof PolicyRecord]: PolicyRecord[K] } = {
        coordinate: entry.coordinate,
        maxAgeFromLadder: requirement.maxAge !== undefined && setters.every((source) => source.maxAgeFromLadder),
        from: entry.sources.map(describeSource),
      };
      if (requirement.level !== undefined) record.level = requirement.level;
      if (challenge.acrValues !== undefined) record.acrValues = challenge.acrValues;
      if (requirement.maxAge !== undefined) record.maxAge = requirement.maxAge;
      if (requirement.once === true) record.once = true;
      if (requirement.scopes !== undefined) record.scopes = requirement.scopes;
      const approval = table.approvals.get(entry.coordinate);
      if (approval !== undefined) record.approval = approval;
      return record;
    })
    .sort((a, b) => a.coordinate.localeCompare(b.coordinate));
}

export function describeSource(source: PolicySource): string {
  switch (source.kind) {
    case 'field':
      return 'field';
    case 'interface':
      return `interface ${source.coordinate}`;
    case 'type':
      return `type ${source.coordinate}`;
    case 'return':
      return `returns ${source.coordinate}`;
    case 'requires':
      return `inherited from ${source.coordinate} (@requires)`;
    case 'key':
      return `inherited from ${source.coordinate} (@key)`;
  }
}

/** An interface or union that may resolve to a protected type: fields returning it are refused when it does. */
export interface AbstractRecord {
  readonly type: string;
  /** The strictest requirement among the protected types it may resolve to. */
  readonly level?: string;
  readonly maxAge?: number;
  readonly scopes?: ScopeConditions;
  readonly protectedTypes: readonly string[];
}

export function abstractReport(table: PolicyTable): AbstractRecord[] {
  return [...table.abstractTypes.values()]
    .map((entry) => ({
      type: entry.coordinate,
      ...entry.requirement,
      protectedTypes: [...new Set(entry.sources.map((source) => source.coordinate))].sort(),
    }))
    .sort((a, b) => a.type.localeCompare(b.type));
}

/** A Markdown table, ready to paste into a pull request. */
export function formatReportMarkdown(records: readonly PolicyRecord[], abstracts: readonly AbstractRecord[] = []): string {
  const lines = [
    '| Coordinate | Level | acr values | Max age | From |',
    '|---|---|---|---|---|',
    ...records
      .map((record) =>
        [
          `\`${record.coordinate}\``,
          (record.level ?? 'any valid token') + (record.scopes === undefined ? '' : `; scopes: ${describeScopeConditions(record.scopes)}`),
          record.acrValues === undefined
            ? ''
            : record.acrValues
                .split(' ')
                .map((acr) => `\`${acr}\``)
                .join(' '),
          (record.maxAge === undefined ? 'none' : `${record.maxAge} s${record.maxAgeFromLadder ? ' (ladder default)' : ''}`) +
            (record.once === true ? ', once per authentication' : '') +
            (record.approval === undefined ? '' : `; each call needs ${describeBinding(record.approval)}`),
          record.from.join(', '),
        ].join(' | '),
      )
      .map((row) => `| ${row} |`),
  ];
  for (const abstract of abstracts) {
    const scopes = abstract.scopes === undefined ? '' : ` and scopes ${describeScopeConditions(abstract.scopes)}`;
    const need = `${abstract.level ?? 'a valid token'}${abstract.maxAge === undefined ? '' : ` within ${abstract.maxAge} s`}${scopes}`;
    lines.push('', `\`${abstract.type}\` may resolve to ${abstract.protectedTypes.join(', ')}: a field returning it needs ${need} when it does.`);
  }
  return `${lines.join('\n')}\n`;
}
