import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config.js';
import { buildPolicyTable } from '../graphql/policyTable.js';
import { loadManifest } from '../persisted/manifest.js';
import { diffPolicies, formatChanges, type PolicySide } from '../review/diff.js';
import { lintSchema } from '../review/lint.js';
import { annotateManifest, formatAnnotationsMarkdown } from '../review/manifest.js';
import { abstractReport, formatReportMarkdown, policyReport } from '../review/report.js';
import { createLadder, type Ladder } from '../stepup/ladder.js';
import { gitRevision, parseSubgraphSpec, readGraph, servedSchemaOf, type Reader, type SubgraphSpec } from './graphInput.js';
import { UsageError } from './usageError.js';

export const POLICY_USAGE = `usage:
  step-up-gateway policy [graph] [--format markdown|json]
      every protected coordinate with its level, acr values, max age and where it comes from
  step-up-gateway policy diff --base <git-ref|dir|file> [graph] [--format text|markdown|json] [--allow-weakening]
      what changed since the base; exits 1 when anything is weakened, unless --allow-weakening
  step-up-gateway policy lint [graph] [--strict]
      unprotected mutations, protected non-null fields, interface directives not carried, unknown levels;
      exits 1 on an error, and on a warning with --strict
  step-up-gateway policy manifest <manifest> [graph] [--format markdown|json]
      the step-up each persisted operation needs, before calling it
  step-up-gateway compose [--subgraph name=<sdl file|url>[@<url>] …]
      the supergraph of the subgraphs (default: the configured ones), for CI or another gateway

graph: a schema folder, an SDL file, or a supergraph file; or, repeated, --subgraph name=<sdl file>[@<url>]
to compose subgraphs (with diff --base <git-ref>, each file is also read as it is at the base). Default: the
configured supergraph, subgraphs or schemaDir (schema/). The ladder comes from the config file.`;

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
  if (values.help) return io.out(`${POLICY_USAGE}\n`), 0;
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
      io.out(format(values.format, 'markdown') === 'json'
        ? `${JSON.stringify({ fields, abstractTypes }, null, 2)}\n`
        : formatReportMarkdown(fields, abstractTypes));
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
      const findings = lintSchema(await servedSchemaOf(await graph(rest[0])), ladder);
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

/** The schema as the gateway serves it and its policy table: what the runtime enforces. */
async function sideOf(sdl: string, ladder: Ladder): Promise<PolicySide> {
  const schema = await servedSchemaOf(sdl);
  return { schema, table: buildPolicyTable(schema, ladder) };
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
