import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads every `.graphql` file of a schema folder, in name order, as one SDL document. */
export function readSchemaFolder(dir: string): string {
  const files = readdirSync(dir).filter((name) => name.endsWith('.graphql')).sort();
  if (files.length === 0) throw new TypeError(`the schema folder ${dir} has no .graphql file`);
  return files.map((name) => readFileSync(join(dir, name), 'utf8')).join('\n');
}
