import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STEP_UP_TYPE_DEFS } from './directives.js';

/** Reads every `.graphql` file of a schema folder, in name order, as one SDL document. */
export function readSchemaFolder(dir: string): string {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.graphql'))
    .sort();
  if (files.length === 0) throw new TypeError(`the schema folder ${dir} has no .graphql file`);
  return files.map((name) => readFileSync(join(dir, name), 'utf8')).join('\n');
}

/** The SDL of `scalar ACRValue` and `directive @isAuthenticated`, to add to your own schema's type definitions. */
export function stepUpTypeDefs(): string {
  return STEP_UP_TYPE_DEFS;
}

/** `sdl` with the step-up definitions added, unless it declares `@isAuthenticated` itself. */
export function withStepUpTypeDefs(sdl: string): string {
  return /\bdirective\s+@isAuthenticated\b/.test(sdl) ? sdl : `${STEP_UP_TYPE_DEFS}\n${sdl}`;
}
