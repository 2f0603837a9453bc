import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

describe('step-up-gateway policy diff on a git repository', () => {
  let repo: string;
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'guthib-repo-'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'reviewer@guthib.example');
    git('config', 'user.name', 'Reviewer');
    cpSync('examples/guthib/schema', join(repo, 'schema'), { recursive: true });
    git('add', '.');
    git('commit', '-qm', 'the policy as reviewed');
    const user = join(repo, 'schema', 'user.graphql');
    writeFileSync(user, readFileSync(user, 'utf8').replace('email: String @isAuthenticated(acrValue: MEDIUM)', 'email: String'));
    git('commit', '-qam', 'drop the email step-up');
  });

  it('exits 1 and says why, one line per coordinate, when a commit weakens the policy', async () => {
    const result = await cli(repo, 'policy', 'diff', '--base', 'HEAD~1', 'schema');
    expect(result).toEqual({
      code: 1,
      stdout: 'WEAKENED User.email: no longer protected; it required MEDIUM within 43200 s\n',
      stderr: '1 coordinate(s) weakened; pass --allow-weakening if that is intended\n',
    });
  });

  it('exits 0 with --allow-weakening and still prints the weakening', async () => {
    const result = await cli(repo, 'policy', 'diff', '--base', 'HEAD~1', 'schema', '--allow-weakening');
    expect([result.code, result.stdout]).toEqual([0, 'WEAKENED User.email: no longer protected; it required MEDIUM within 43200 s\n']);
  });

  it('exits 0 when nothing changed since the base', async () => {
    const result = await cli(repo, 'policy', 'diff', '--base', 'HEAD', 'schema');
    expect([result.code, result.stdout]).toEqual([0, 'no change to the step-up policy\n']);
  });

  it('exits 2 with the usage for a base that is neither a folder, a file nor a revision', async () => {
    const result = await cli(repo, 'policy', 'diff', '--base', 'no-such-ref', 'schema');
    expect([result.code, result.stderr.split('\n')[0]]).toEqual([2, '--base no-such-ref is neither a folder, a file, nor a git revision']);
  });
});
