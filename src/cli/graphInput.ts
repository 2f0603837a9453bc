import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config.js';
import { composeSupergraph, type SubgraphSdl } from '../federation/compose.js';
import { withStepUpTypeDefs } from '../graphql/loadSchema.js';
import { UsageError } from './usageError.js';

/** Reads a text file, from the working tree or as it is in a git revision. */
export interface Reader {
  readonly label: string;
  text(path: string): string;
  /** `.graphql` files of a folder, in name order. */
  folder(path: string): string[];
  isFolder(path: string): boolean;
  exists(path: string): boolean;
}

export const workingTree: Reader = {
  label: 'the working tree',
  text: (path) => readFileSync(path, 'utf8'),
  folder: (path) => listGraphql(readdirSync(path)).map((name) => join(path, name)),
  isFolder: (path) => statSync(path).isDirectory(),
  exists: (path) => existsSync(path),
};

function listGraphql(names: readonly string[]): string[] {
  return names.filter((name) => name.endsWith('.graphql')).sort();
}

/** Files as they are in `revision` (`origin/main`, a tag, a commit), paths relative to `cwd`. */
export function gitRevision(revision: string, cwd: string = process.cwd()): Reader {
  const git = (args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const at = (path: string) => `${revision}:./${relative(cwd, resolve(cwd, path)) || '.'}`;
  const kind = (path: string): string | undefined => {
    try {
      return git(['cat-file', '-t', at(path)]).trim();
    } catch {
      return undefined;
    }
  };
  return {
    label: revision,
    text: (path) => git(['show', at(path)]),
    folder: (path) => listGraphql(git(['ls-tree', '--name-only', at(path)]).split('\n')).map((name) => join(path, name)),
    isFolder: (path) => kind(path) === 'tree',
    exists: (path) => kind(path) !== undefined,
  };
}

/** `name=source[@url]`: a subgraph's SDL file (or its URL, asked for `_service { sdl }`), and where it answers. */
export interface SubgraphSpec {
  readonly name: string;
  readonly source: string;
  readonly url: string | undefined;
}

export function parseSubgraphSpec(value: string): SubgraphSpec {
  const match = /^([A-Za-z][\w-]*)=([^@]+|https?:\/\/[^@]+)(?:@(https?:\/\/.+))?$/.exec(value);
  if (match === null) throw new UsageError(`--subgraph ${value}: expected name=<sdl file or URL>[@<url it answers at>]`);
  return { name: match[1]!, source: match[2]!, url: match[3] };
}

/** Composes subgraphs from their SDL files (through `reader`) or their URLs; a URL needs the gateway's identity key. */
export async function composeFrom(specs: readonly SubgraphSpec[], reader: Reader, config: Config): Promise<string> {
  const sdls: SubgraphSdl[] = [];
  for (const spec of specs) {
    if (/^https?:\/\//.test(spec.source)) {
      const { fetchSubgraphSdlWithKey } = await import('./fetchSdl.js');
      sdls.push({ name: spec.name, url: spec.url ?? spec.source, sdl: await fetchSubgraphSdlWithKey(spec.name, spec.source, config) });
    } else {
      if (!reader.exists(spec.source)) throw new UsageError(`--subgraph ${spec.name}: ${spec.source} is not in ${reader.label}`);
      // A supergraph needs each subgraph's URL; a file's placeholder says where to put it.
      sdls.push({ name: spec.name, url: spec.url ?? configuredUrl(config, spec.name) ?? `http://${spec.name}.invalid/graphql`, sdl: reader.text(spec.source) });
    }
  }
  return composeSupergraph(sdls);
}

function configuredUrl(config: Config, name: string): string | undefined {
  return config.subgraphs?.find((subgraph) => subgraph.name === name)?.url;
}

/**
 * The graph the policy commands read: `--subgraph` specs composed; or the folder or file given; or, when
 * neither is, what `serve` would serve: the configured supergraph file, the configured subgraphs
 * (composed), the configured `graph` module's SDL, or `schemaDir`. With none, a usage error naming the keys,
 * as `serve` refuses to start without a graph. (This repository's `npm run policy` names the example's
 * subgraph files, which `npm start` serves.)
 */
export async function readGraph(
  options: { readonly path?: string | undefined; readonly subgraphs: readonly SubgraphSpec[] },
  config: Config,
  reader: Reader = workingTree,
): Promise<string> {
  if (options.subgraphs.length > 0) return composeFrom(options.subgraphs, reader, config);
  if (options.path !== undefined) return readPath(options.path, reader);
  if (config.supergraph !== undefined) return readPath(config.supergraph, reader);
  if (config.subgraphs !== undefined && config.graph === undefined) {
    return composeFrom(
      config.subgraphs.map((subgraph) => ({ name: subgraph.name, source: subgraph.url ?? '', url: subgraph.url })),
      reader,
      config,
    );
  }
  if (config.graph !== undefined) {
    if (reader !== workingTree)
      throw new UsageError(`the configured "graph" is a module, which cannot be read as it is in ${reader.label}: pass its SDL file or folder`);
    const { loadGraph } = await import('../gateway/loadGraph.js');
    return (await loadGraph(config.graph)).typeDefs;
  }
  if (config.schemaDir !== undefined) return readPath(config.schemaDir, reader);
  throw new UsageError(
    'no graph to read: pass a folder, an SDL or supergraph file, or --subgraph name=<sdl file>; or set "supergraph", "subgraphs", "graph" or "schemaDir" in the config file',
  );
}

function readPath(path: string, reader: Reader): string {
  if (!reader.exists(path)) throw new UsageError(`${path} is not in ${reader.label}`);
  if (!reader.isFolder(path)) return reader.text(path);
  const files = reader.folder(path);
  if (files.length === 0) throw new UsageError(`${path} in ${reader.label} has no .graphql file`);
  return files.map((file) => reader.text(file)).join('\n');
}

/** A supergraph (it has `join__Graph`) or the SDL of one graph. */
export function isSupergraph(sdl: string): boolean {
  return /\benum\s+join__Graph\b/.test(sdl);
}

/**
 * The schema the gateway would serve for this SDL: a supergraph's composed schema, as the gateway
 * builds it (the policy table is read from the same thing at run time), or one graph's SDL with the
 * step-up definitions.
 */
export async function servedSchemaOf(sdl: string): Promise<GraphQLSchema> {
  if (!isSupergraph(sdl)) return makeExecutableSchema({ typeDefs: withStepUpTypeDefs(sdl) });
  const { getStitchedSchemaFromSupergraphSdl } = await import('@graphql-tools/federation');
  return getStitchedSchemaFromSupergraphSdl({ supergraphSdl: sdl });
}
