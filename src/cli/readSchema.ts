import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { readSchemaFolder } from '../graphql/loadSchema.js';
import { UsageError } from './usageError.js';

/**
 * The SDL a diff compares against: a schema folder, a single `.graphql` file, or the schema folder as
 * it is in a git revision (`origin/main`, a tag, a commit).
 */
export function readBaseSchema(base: string, schemaDir: string, cwd: string = process.cwd()): string {
  if (existsSync(base)) return statSync(base).isDirectory() ? readSchemaFolder(base) : readFileSync(base, 'utf8');
  const folder = relative(cwd, resolve(cwd, schemaDir)) || '.';
  let listing: string;
  try {
    listing = git(cwd, ['ls-tree', '--name-only', `${base}:./${folder}`]);
  } catch {
    throw new UsageError(`--base ${base} is neither a folder, a file, nor a git revision that has ${folder}/`);
  }
  const files = listing.split('\n').filter((name) => name.endsWith('.graphql')).sort();
  if (files.length === 0) throw new UsageError(`${base}:${folder}/ has no .graphql file`);
  return files.map((name) => git(cwd, ['show', `${base}:./${folder}/${name}`])).join('\n');
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}
