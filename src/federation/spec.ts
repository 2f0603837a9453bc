import { STEP_UP_TYPE_DEFS, SUBGRAPH_LINK_HEADER } from '../graphql/directives.js';

/**
 * The step-up spec as a federation feature: subgraphs import `@isAuthenticated`, `ACRValue` and
 * `StepUpImpossible` from this URL with `@link` and keep the directive through composition with
 * `@composeDirective`. The last two segments are `<name>/v<major>.<minor>`, which composition needs.
 */
export const STEP_UP_SPEC_URL = 'https://specs.step-up-gateway.dev/step-up/v1.0';

/** The highest federation version `@theguild/federation-composition` 0.27 knows. */
export const FEDERATION_SPEC_URL = 'https://specs.apollo.dev/federation/v2.9';

/**
 * What a subgraph's SDL starts with to publish its step-up policy: the `@link`s, the `@composeDirective`,
 * and the definitions themselves (a subgraph library does not know this spec, so each subgraph defines
 * them, identically; the gateway refuses a subgraph whose definitions differ).
 *
 * `federationImports` are the federation directives the subgraph uses besides `@composeDirective`,
 * e.g. `["@key", "@shareable"]`.
 */
export function stepUpSubgraphTypeDefs(federationImports: readonly string[] = ['@key']): string {
  const imports = JSON.stringify(['@composeDirective', ...federationImports.filter((name) => name !== '@composeDirective')]);
  // schema/subgraph-link.graphql with this subgraph's own federation imports.
  const header = SUBGRAPH_LINK_HEADER.replace(/(@link\(url: "[^"]*\/federation\/v[\d.]+", import: )\[[^\]]*\]/, `$1${imports}`);
  return `${header}\n${STEP_UP_TYPE_DEFS}`;
}
