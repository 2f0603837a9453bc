import { makeExecutableSchema } from '@graphql-tools/schema';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { readSchemaFolder, withStepUpTypeDefs } from '../graphql/loadSchema.js';
import { buildPolicyTable } from '../graphql/policyTable.js';
import { loadManifest } from '../persisted/manifest.js';
import { diffPolicies, formatChanges, type PolicySide } from '../review/diff.js';
import { lintSdl } from '../review/lint.js';
import { annotateManifest, formatAnnotationsMarkdown } from '../review/manifest.js';
import { abstractReport, formatReportMarkdown, policyReport } from '../review/report.js';
import { createLadder, type Ladder } from '../stepup/ladder.js';
import { readBaseSchema } from './readSchema.js';
import { UsageError } from './usageError.js';

export const POLICY_USAGE = `usage:
  step-up-gateway policy [schema-dir] [--format markdown|json]
      every protected coordinate with its level, acr values, max age and where it comes from
  step-up-gateway policy diff --base <git-ref|dir|file> [schema-dir] [--format text|markdown|json] [--allow-weakening]
      what changed since the base; exits 1 when anything is weakened, unless --allow-weakening
  step-up-gateway policy lint [schema-dir] [--strict]
      unprotected mutations, protected non-null fields, interface directives not carried, unknown levels;
      exits 1 on an error, and on a warning with --strict
  step-up-gateway policy manifest <manifest> [schema-dir] [--format markdown|json]
      the step-up each persisted operation needs, before calling it

schema-dir defaults to the configured schemaDir (schema/). The ladder comes from the config file.`;

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
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return io.out(`${POLICY_USAGE}\n`), 0;
  const config = loadConfig(process.env);
  const ladder = createLadder(config.ladder);
  const [command, ...rest] = ['diff', 'lint', 'manifest'].includes(positionals[0] ?? '') ? positionals : ['report', ...positionals];

  switch (command) {
    case 'report': {
      const side = sideOf(readSchemaFolder(rest[0] ?? config.schemaDir), ladder);
      const fields = policyReport(side.table);
      const abstractTypes = abstractReport(side.table);
      io.out(format(values.format, 'markdown') === 'json'
        ? `${JSON.stringify({ fields, abstractTypes }, null, 2)}\n`
        : formatReportMarkdown(fields, abstractTypes));
      return 0;
    }
    case 'diff': {
      if (values.base === undefined) throw new UsageError('policy diff needs --base <git-ref|dir|file>');
      const schemaDir = rest[0] ?? config.schemaDir;
      const changes = diffPolicies(sideOf(readBaseSchema(values.base, schemaDir), ladder), sideOf(readSchemaFolder(schemaDir), ladder));
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
      const findings = lintSdl(withStepUpTypeDefs(readSchemaFolder(rest[0] ?? config.schemaDir)), ladder);
      for (const finding of findings) io.out(`${finding.severity} ${finding.rule}: ${finding.message}\n`);
      if (findings.length === 0) io.out('no finding\n');
      const failing = findings.filter((finding) => finding.severity === 'error' || values.strict);
      return failing.length > 0 ? 1 : 0;
    }
    case 'manifest': {
      const [manifestFile, schemaDir = config.schemaDir] = rest;
      if (manifestFile === undefined) throw new UsageError('policy manifest needs the manifest file');
      const side = sideOf(readSchemaFolder(schemaDir), ladder);
      const annotations = annotateManifest(side.schema, side.table, loadManifest(manifestFile, side.schema));
      io.out(format(values.format, 'markdown') === 'json' ? `${JSON.stringify(annotations, null, 2)}\n` : formatAnnotationsMarkdown(annotations));
      return 0;
    }
    default:
      throw new UsageError(`unknown policy command ${command}`);
  }
}

function sideOf(sdl: string, ladder: Ladder): PolicySide {
  const schema = makeExecutableSchema({ typeDefs: withStepUpTypeDefs(sdl) });
  return { schema, table: buildPolicyTable(schema, ladder) };
}

function format(value: string | undefined, fallback: string): string {
  const chosen = value ?? fallback;
  if (!['text', 'markdown', 'json'].includes(chosen)) throw new UsageError(`--format must be text, markdown or json`);
  return chosen;
}
