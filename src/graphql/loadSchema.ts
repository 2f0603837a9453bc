import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads every `.graphql` file of a schema folder, in name order, as one SDL document. */
export function readSchemaFolder(dir: string): string {
  const files = readdirSync(dir).filter((name) => name.endsWith('.graphql')).sort();
  if (files.length === 0) throw new TypeError(`the schema folder ${dir} has no .graphql file`);
  return files.map((name) => readFileSync(join(dir, name), 'utf8')).join('\n');
}

/**
 * The SDL of `scalar ACRValue` and `directive @isAuthenticated`, to add to your own schema's type
 * definitions. Read from the gateway's own `schema/directives.graphql`, the one definition of both.
 */
export function stepUpTypeDefs(): string {
  return readFileSync(new URL('../../schema/directives.graphql', import.meta.url), 'utf8');
}
