import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

/** What a newcomer types first: every command answers --help, and the defaults read what `npm start` serves. */
const repository = process.cwd();
const run = promisify(execFile);
const elsewhere = () => mkdtempSync(join(tmpdir(), 'step-up-cli-'));

describe('step-up-gateway --help', () => {
  it('lists every command and exits 0', async () => {
    const { code, stdout } = await cli(elsewhere(), '--help');
    expect(code).toBe(0);
    for (const command of ['serve', 'policy', 'compose', 'token', 'totp']) expect(stdout).toContain(`\n  ${command} `);
  });

  it.each(['serve', 'policy', 'policy diff', 'policy lint', 'policy manifest', 'compose', 'token', 'totp'])(
    'answers "%s --help" with its usage and exits 0',
    async (line) => {
      const command = line.split(' ');
      const { code, stdout } = await cli(elsewhere(), ...command, '--help');
      expect([code, stdout.split('\n')[0]]).toEqual([0, expect.stringMatching(/^usage:/)]);
      expect(stdout).toContain(`step-up-gateway ${command[0]}`);
    },
  );

  it('answers an unknown command with exit 2 and where the commands are listed', async () => {
    const { code, stderr } = await cli(elsewhere(), 'server');
    expect([code, stderr]).toEqual([2, 'unknown command server\n\nstep-up-gateway --help lists the commands\n']);
  });
});

describe('the policy commands with no graph given', () => {
  it('name the keys to configure, with exit 2', async () => {
    const { code, stderr } = await cli(elsewhere(), 'policy', 'lint');
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(
      'no graph to read: pass a folder, an SDL or supergraph file, or --subgraph name=<sdl file>; or set "supergraph", "subgraphs", "graph" or "schemaDir" in the config file',
    );
  });
});

/** `npm run policy -- …` in this repository, as the README prints it: the example's subgraphs, as npm start serves them. */
const npmPolicy = async (...args: string[]): Promise<{ code: number; stdout: string }> => {
  try {
    const { stdout } = await run('npm', ['run', '-s', 'policy', '--', ...args], { cwd: repository, env: { ...process.env, STEP_UP_CONFIG: '' } });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
};

describe('npm run policy in this repository', () => {
  it('reports the example that npm start serves', async () => {
    const { code, stdout } = await npmPolicy('--format', 'json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).fields.map((field: { coordinate: string }) => field.coordinate)).toContain('Mutation.transferRepositoryOwnership');
  });

  it('lints the example with no finding', async () => {
    expect(await npmPolicy('lint')).toEqual({ code: 0, stdout: 'no finding\n' });
  });

  it('diffs the example against a git revision', async () => {
    expect(await npmPolicy('diff', '--base', 'HEAD')).toEqual({ code: 0, stdout: 'no change to the step-up policy\n' });
  });
});

describe('the dev-mode commands', () => {
  it('print a six-digit code for a dev user', async () => {
    const { code, stdout } = await cli(elsewhere(), 'totp', 'alice');
    expect([code, stdout]).toEqual([0, expect.stringMatching(/^\d{6}\n$/)]);
  });

  it('refuse an unknown dev user with exit 2', async () => {
    const { code, stderr } = await cli(elsewhere(), 'totp', 'mallory');
    expect([code, stderr.split('\n')[0]]).toEqual([2, 'unknown dev user mallory; known: alice, bob']);
  });

  it('mint a dev token that names the user', async () => {
    const { code, stdout } = await cli(elsewhere(), 'token', '--sub', 'alice', '--acr', 'HIGH');
    expect(code).toBe(0);
    const payload = JSON.parse(Buffer.from(stdout.trim().split('.')[1]!, 'base64url').toString()) as { sub: string; acr: string };
    expect(payload).toMatchObject({ sub: 'alice', acr: 'urn:mace:incommon:iap:gold' });
  });
});
