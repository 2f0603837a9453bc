/**
 * The usage text of every command, in one place: `step-up-gateway --help` lists them all, and each command
 * answers `--help` with its own (exit 0) and a mistake with it (exit 2).
 */

export const SERVE_USAGE = `usage: step-up-gateway serve [--help]
      runs the gateway, configured by the environment (PORT, HOST, OIDC_ISSUER, OIDC_AUDIENCE, REDIS_URL,
      STEP_UP_CONFIG) and the config file (default step-up.config.json in the working folder). It serves the
      "graph", "subgraphs" or "supergraph" the config names; without one it refuses to start. Without
      OIDC_ISSUER it is dev mode: its own OpenID Provider (never in production).`;

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

graph: a schema folder, an SDL file, or a supergraph file; or, repeated, --subgraph name=<sdl file>[@<url>]
to compose subgraphs (with diff --base <git-ref>, each file is also read as it is at the base). Default: what
"serve" would serve: the configured supergraph, subgraphs, graph or schemaDir. The ladder comes from the
config file. In this project's repository, npm run policy -- … reads the example's subgraphs, as npm start serves them.`;

export const COMPOSE_USAGE = `usage: step-up-gateway compose [--subgraph name=<sdl file|url>[@<url>] …]
      the supergraph of the subgraphs (default: the configured ones), for CI or another gateway`;

export const TOKEN_USAGE = `usage: step-up-gateway token --sub <login> [--acr <LEVEL|acr string>] [--auth-age <seconds>] [--no-auth-time] [--ttl <seconds>] [--client-id <id>]
                             [--authorization-details <JSON array>]
      prints an access token signed by the dev issuer of a gateway in dev mode on this machine (same
      working folder, same PORT and config file): its key is in devKeyDir (.dev-keys)

  --sub          the user (alice or bob in the example's seeded data)
  --acr          a ladder level (LOW, MEDIUM, HIGH) or a raw acr string; none when absent
  --auth-age     how many seconds ago the user authenticated (default 0)
  --no-auth-time leave auth_time out of the token
  --ttl          seconds the token lives (default 3600)
  --client-id    the client_id claim (default guthib-web)
  --authorization-details
                 RFC 9396 approvals the token carries, as a JSON array (what a provider puts in the token
                 once the user approved them), e.g. the decoded authorization_remediation of a challenge`;

export const TOTP_USAGE = `usage: step-up-gateway totp [user]
      the current TOTP code (RFC 6238) of a dev provider user (alice or bob; default alice)`;

export const USAGE = `usage: step-up-gateway <command> [--help]

commands:
  serve      run the gateway (as npm start does in this repository)
  policy     the step-up policy of a graph: report, diff, lint, manifest
  compose    print the supergraph of subgraphs
  token      mint a dev access token (dev mode only)
  totp       the current one-time code of a dev user (dev mode only)

Each command answers --help. Its usage:

${SERVE_USAGE}

${POLICY_USAGE}

${COMPOSE_USAGE}

${TOKEN_USAGE}

${TOTP_USAGE}`;

/** Whether the arguments ask for help: `--help` or `-h` anywhere. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/**
 * How to run a command where this code runs: `npm run <script> --` in this repository (run from source
 * by tsx), `npx step-up-gateway <command>` in a project that installed the package.
 */
export function commandLine(command: 'token' | 'totp', fromSource: boolean = import.meta.url.endsWith('.ts')): string {
  return fromSource ? `npm run ${command} --` : `npx step-up-gateway ${command}`;
}
