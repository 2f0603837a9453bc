/**
 * `step-up-gateway <command>`: the command-line entry (`npx step-up-gateway serve`, `policy …`, `compose …`).
 * Each command is a thin shell over pure functions; this file only dispatches and sets the exit code.
 */
import { POLICY_USAGE, runPolicy } from './policy.js';
import { UsageError } from './usageError.js';

const [command, ...rest] = process.argv.slice(2);
const io = { out: (text: string) => process.stdout.write(text), err: (text: string) => process.stderr.write(text) };

async function main(): Promise<number> {
  switch (command) {
    case 'policy':
      return runPolicy(rest, io);
    case 'compose':
      return (await import('./compose.js')).runCompose(rest, io);
    case 'serve':
      // The gateway itself, as `npm start` runs it: configured by the environment and the config file.
      await import('../main.js');
      return 0;
    default:
      io.err(`unknown command ${command ?? '(none)'}\n\n${POLICY_USAGE}\n`);
      return 2;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    io.err(`${(error as Error).message}\n${usage ? `\n${POLICY_USAGE}\n` : ''}`);
    process.exitCode = usage ? 2 : 1;
  },
);
