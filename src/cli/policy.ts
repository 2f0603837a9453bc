import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config.js';
import { parse, type GraphQLSchema } from 'graphql';
import { withInheritedRequirements } from '../federation/inheritedPolicy.js';
import { buildPolicyTable, type PolicyTable } from '../graphql/policyTable.js';
import { loadManifest } from '../persisted/manifest.js';
import { diffPolicies, formatChanges, type PolicySide } from '../review/diff.js';
import { lintSchema } from '../review/lint.js';
import { annotateManifest, formatAnnotationsMarkdown } from '../review/manifest.js';
import { abstractReport, formatReportMarkdown, policyReport } from '../review/report.js';
import { createLadder, type Ladder } from '../stepup/ladder.js';
import { gitRevision, isSupergraph, parseSubgraphSpec, readGraph, servedSchemaOf, type Reader, type SubgraphSpec } from './graphInput.js';
import { POLICY_USAGE } from './usage.js';
import { UsageError } from './usageError.js';

export { POLICY_USAGE } from './usage.js';

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** Runs `policy …` and returns the exit code: 0 fine, 1 the check failed, 2 the call was wrong. */
export async function runPolicy(argv: readonly string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      base: { type: 'string' },
      'allow-weakening': { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      subgraph: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return (io.out(`${POLICY_USAGE}\n`), 0);
  const config = loadConfig(process.env);
  const ladder = createLadder(config.ladder);
  const [command, ...rest] = ['diff', 'lint', 'manifest'].includes(positionals[0] ?? '') ? positionals : ['report', ...positionals];
  const subgraphs = values.subgraph.map(parseSubgraphSpec);
  const graph = (path: string | undefined, reader?: Reader) => readGraph({ path, subgraphs }, config, reader);

  switch (command) {
    case 'report': {
      const side = await sideOf(await graph(rest[0]), ladder);
      const fields = policyReport(side.table);
      const abstractTypes = abstractReport(side.table);
      io.out(
        format(values.format, 'markdown') === 'json' ? `${JSON.stringify({ fields, abstractTypes }, null, 2)}\n` : formatReportMarkdown(fields, abstractTypes),
      );
      return 0;
    }
    case 'diff': {
      if (values.base === undefined) throw new UsageError('policy diff needs --base <git-ref|dir|file>');
      const head = await sideOf(await graph(rest[0]), ladder);
      const base = await sideOf(await baseGraph(values.base, rest[0], subgraphs, config), ladder);
      const changes = diffPolicies(base, head);
      const chosen = format(values.format, 'text');
      io.out(chosen === 'json' ? `${JSON.stringify(changes, null, 2)}\n` : formatChanges(changes, chosen === 'markdown' ? 'markdown' : 'text'));
      const weakened = changes.filter((change) => change.kind === 'weakened').length;
      if (weakened > 0 && !values['allow-weakening']) {
        io.err(`${weakened} coordinate(s) weakened; pass --allow-weakening if that is intended\n`);
        return 1;
      }
      return 0;
    }
    case 'lint': {
      const sdl = await graph(rest[0]);
      const findings = lintSchema(await servedSchemaOf(sdl), ladder, (schema, table) =>
        isSupergraph(sdl) ? withInheritedRequirements(table, schema, parse(sdl)) : table,
      );
      for (const finding of findings) io.out(`${finding.severity} ${finding.rule}: ${finding.message}\n`);
      if (findings.length === 0) io.out('no finding\n');
      const failing = findings.filter((finding) => finding.severity === 'error' || values.strict);
      return failing.length > 0 ? 1 : 0;
    }
    case 'manifest': {
      const [manifestFile, path] = rest;
      if (manifestFile === undefined) throw new UsageError('policy manifest needs the manifest file');
      const side = await sideOf(await graph(path), ladder);
      const annotations = annotateManifest(side.schema, side.table, loadManifest(manifestFile, side.schema));
      io.out(format(values.format, 'markdown') === 'json' ? `${JSON.stringify(annotations, null, 2)}\n` : formatAnnotationsMarkdown(annotations));
      return 0;
    }
    default:
      throw new UsageError(`unknown policy command ${command}`);
  }
}

/** The policy table the gateway builds for this SDL: a supergraph's with the requirements its planner makes fields inherit. */
function tableOf(schema: GraphQLSchema, sdl: string, ladder: Ladder): PolicyTable {
  const table = buildPolicyTable(schema, ladder);
  return isSupergraph(sdl) ? withInheritedRequirements(table, schema, parse(sdl)) : table;
}

/** The schema as the gateway serves it and its policy table: what the runtime enforces. */
async function sideOf(sdl: string, ladder: Ladder): Promise<PolicySide> {
  const schema = await servedSchemaOf(sdl);
  return { schema, table: tableOf(schema, sdl, ladder) };
}

/**
 * The base of a diff: a folder or file as it is now, or the same graph as it is in a git revision (the
 * schema folder, the SDL file, or each subgraph's file, composed).
 */
async function baseGraph(base: string, path: string | undefined, subgraphs: readonly SubgraphSpec[], config: Config): Promise<string> {
  if (existsSync(base)) return readGraph({ path: base, subgraphs: [] }, config);
  const revision = gitRevision(base);
  try {
    execFileSync('git', ['rev-parse', '--verify', '--quiet', `${base}^{commit}`], { stdio: 'ignore' });
  } catch {
    throw new UsageError(`--base ${base} is neither a folder, a file, nor a git revision`);
  }
  return readGraph({ path, subgraphs }, config, revision);
}

function format(value: string | undefined, fallback: string): string {
  const chosen = value ?? fallback;
  if (!['text', 'markdown', 'json'].includes(chosen)) throw new UsageError(`--format must be text, markdown or json`);
  return chosen;
}
