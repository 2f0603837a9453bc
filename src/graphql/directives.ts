import { readFileSync } from 'node:fs';

/**
 * The project's own SDL, in `schema/` at the repository's root (`dist/schema/` in the package): the step-up
 * vocabulary (`scalar ACRValue`, `directive @isAuthenticated`, `enum StepUpImpossible`) and the header a
 * subgraph's SDL starts with. From `src/graphql/` and from `dist/src/graphql/` alike it is two folders up.
 */
function projectSdl(name: 'step-up.graphql' | 'subgraph-link.graphql'): string {
  const text = readFileSync(new URL(`../../schema/${name}`, import.meta.url), 'utf8');
  // The files open with comments for their readers; the SDL the gateway adds to graphs starts at the first definition.
  return text.replace(/^(?:#.*\n|\s*\n)*/, '');
}

/**
 * The one definition of the directive (`schema/step-up.graphql`), added to every graph the gateway serves
 * (a graph may also declare it itself, identically).
 */
export const STEP_UP_TYPE_DEFS: string = projectSdl('step-up.graphql');

/** `schema/subgraph-link.graphql`: the `@link` header of a subgraph that publishes its policy. */
export const SUBGRAPH_LINK_HEADER: string = projectSdl('subgraph-link.graphql');
