/**
 * RFC 8785 for JSON values: object members sorted by their names' UTF-16 code units (the default sort of
 * JS strings), no whitespace, strings and numbers as ECMAScript's JSON.stringify writes them (§3.2.2).
 * A value with `toJSON` (a `Date`, a custom scalar's value) is written as what that returns, as
 * `JSON.stringify` would.
 */
export function canonicalJson(value: unknown): string {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalJson((value as { toJSON(): unknown }).toJSON());
  }
  if (value === null || typeof value !== 'object') {
    // A non-finite number or undefined has no JSON form: it cannot have been parsed from a body either.
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('a non-finite number has no canonical JSON form');
    if (typeof value === 'bigint') return value.toString();
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const members: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${members.join(',')}}`;
}
