import { readFile } from 'node:fs/promises';
import { Kind, type DocumentNode } from 'graphql';
import { composeSupergraph } from './compose.js';
import { IDENTITY_HEADER, type IdentitySigner } from './identity.js';
import { DEFAULTS } from '../defaults.js';
import type { SubgraphConfig } from '../config.js';

export type { SubgraphConfig } from '../config.js';

/** Where the supergraph comes from: composed here from the subgraphs' `_service { sdl }`, or a file composed elsewhere. */
export type SupergraphSource =
  | { readonly kind: 'subgraphs'; readonly subgraphs: readonly SubgraphConfig[] }
  | { readonly kind: 'file'; readonly path: string; readonly subgraphs: readonly SubgraphConfig[] };

/** A subgraph that does not answer `_service { sdl }` at all (down, not yet started): worth asking again. */
export class SubgraphUnreachable extends TypeError {
  readonly subgraph: string;
  constructor(subgraph: string, message: string) {
    super(message);
    this.name = 'SubgraphUnreachable';
    this.subgraph = subgraph;
  }
}

/** Reads the supergraph: the file as it is, or the subgraphs' SDL composed. */
export async function loadSupergraph(source: SupergraphSource, signer: IdentitySigner, now: () => number): Promise<string> {
  if (source.kind === 'file') {
    try {
      return await readFile(source.path, 'utf8');
    } catch (error) {
      throw new TypeError(`the supergraph file ${source.path} cannot be read: ${(error as Error).message}`);
    }
  }
  const sdls = await Promise.all(
    source.subgraphs.map(async (subgraph) => ({ name: subgraph.name, url: subgraph.url!, sdl: await fetchSubgraphSdl(subgraph, signer, now()) })),
  );
  return composeSupergraph(sdls);
}

/** A subgraph's `{ _service { sdl } }`, asked with an identity the gateway signs for it. */
export async function fetchSubgraphSdl(subgraph: SubgraphConfig, signer: IdentitySigner, now: number): Promise<string> {
  let body: { data?: { _service?: { sdl?: unknown } }; errors?: Array<{ message?: string }> };
  const request = { query: '{ _service { sdl } }' };
  try {
    const response = await fetch(subgraph.url!, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        [IDENTITY_HEADER]: signer.sign({ passed: [] }, subgraph.name, now, request),
      },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(subgraph.timeoutMs ?? DEFAULTS.timeoutMs),
    });
    body = (await response.json()) as typeof body;
  } catch (error) {
    throw new SubgraphUnreachable(subgraph.name, `subgraph "${subgraph.name}" at ${subgraph.url} cannot be asked for its SDL: ${(error as Error).message}`);
  }
  const sdl = body.data?._service?.sdl;
  if (typeof sdl !== 'string') {
    throw new TypeError(`subgraph "${subgraph.name}" at ${subgraph.url} did not answer { _service { sdl } }: ${body.errors?.[0]?.message ?? 'no SDL'}`);
  }
  return sdl;
}

/**
 * `join__Graph` enum values (`ACCOUNTS`) to their subgraphs as `@join__graph(name:, url:)` names them: the
 * subgraph's name (`accounts`) and its URL, if the supergraph gives one.
 */
export function joinGraphs(supergraph: DocumentNode): Map<string, { readonly name: string; readonly url: string | undefined }> {
  const graphs = new Map<string, { readonly name: string; readonly url: string | undefined }>();
  for (const definition of supergraph.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? []) {
      const args = value.directives?.find((directive) => directive.name.value === 'join__graph')?.arguments;
      const name = args?.find((argument) => argument.name.value === 'name')?.value;
      const url = args?.find((argument) => argument.name.value === 'url')?.value;
      graphs.set(value.name.value, {
        name: name?.kind === Kind.STRING ? name.value : value.name.value.toLowerCase(),
        url: url?.kind === Kind.STRING ? url.value : undefined,
      });
    }
  }
  return graphs;
}
