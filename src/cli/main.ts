/**
 * `step-up-gateway <command>`: the command-line entry (`npx step-up-gateway serve`, `policy …`, `compose …`,
 * `token …`, `totp …`). Each command is a thin shell over functions of its own; this file only dispatches,
 * answers `--help`, and sets the exit code: 0 done, 1 the check failed, 2 the call was wrong.
 */
import { COMPOSE_USAGE, POLICY_USAGE, SERVE_USAGE, TOKEN_USAGE, TOTP_USAGE, USAGE, wantsHelp } from './usage.js';
import { UsageError } from './usageError.js';

const [command, ...rest] = process.argv.slice(2);
const io = { out: (text: string) => process.stdout.write(text), err: (text: string) => process.stderr.write(text) };

const USAGE_OF: Record<string, string> = { serve: SERVE_USAGE, policy: POLICY_USAGE, compose: COMPOSE_USAGE, token: TOKEN_USAGE, totp: TOTP_USAGE };

async function main(): Promise<number> {
  switch (command) {
    case undefined:
      io.err(`${USAGE}\n`);
      return 2;
    case '--help':
    case '-h':
    case 'help':
      io.out(`${USAGE}\n`);
      return 0;
    case 'policy':
      return (await import('./policy.js')).runPolicy(rest, io);
    case 'compose':
      if (wantsHelp(rest)) return (io.out(`${COMPOSE_USAGE}\n`), 0);
      return (await import('./compose.js')).runCompose(rest, io);
    case 'token':
      return (await import('./token.js')).runToken(rest, io);
    case 'totp':
      return (await import('./totp.js')).runTotp(rest, io);
    case 'serve':
      if (wantsHelp(rest)) return (io.out(`${SERVE_USAGE}\n`), 0);
      if (rest.length > 0) throw new UsageError(`serve takes no argument (it reads the environment and the config file), not ${rest[0]}`);
      // The gateway itself, as `npm start` runs it: configured by the environment and the config file.
      await import('../main.js');
      return 0;
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const help = command !== undefined && USAGE_OF[command] !== undefined ? `\n${USAGE_OF[command]}\n` : '\nstep-up-gateway --help lists the commands\n';
    io.err(`${(error as Error).message}\n${usage ? help : ''}`);
    process.exitCode = usage ? 2 : 1;
  },
);
