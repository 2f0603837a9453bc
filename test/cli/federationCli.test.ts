import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGeneration } from '../../src/federation/federatedGraph.js';
import { createIdentitySigner } from '../../src/federation/identity.js';
import { policyReport } from '../../src/review/report.js';
import { createLadder } from '../../src/stepup/ladder.js';
import { cli } from '../helpers/cli.js';

const ACCOUNTS = 'accounts=subgraphs/accounts.graphql@http://accounts.internal/graphql';
const REPOSITORIES = 'repositories=subgraphs/repositories.graphql@http://repositories.internal/graphql';

/** A team's repository with the example's two subgraph SDL files: one commit as reviewed, one that weakens it. */
let repo: string;
beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'guthib-subgraphs-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'reviewer@guthib.example');
  git('config', 'user.name', 'Reviewer');
  cpSync('examples/guthib/subgraphs/accounts.graphql', join(repo, 'subgraphs', 'accounts.graphql'));
  cpSync('examples/guthib/subgraphs/repositories.graphql', join(repo, 'subgraphs', 'repositories.graphql'));
  git('add', '.');
  git('commit', '-qm', 'the subgraphs as reviewed');
  const accounts = join(repo, 'subgraphs', 'accounts.graphql');
  writeFileSync(
    accounts,
    readFileSync(accounts, 'utf8').replace(
      'updateEmail(email: String!): User! @isAuthenticated(acrValue: HIGH, maxAge: 60)',
      'updateEmail(email: String!): User! @isAuthenticated(acrValue: MEDIUM)',
    ),
  );
  git('commit', '-qam', 'let silver change the email');
});

describe('step-up-gateway compose', () => {
  it('prints the supergraph of two subgraph SDL files, each at its URL, with their policy', async () => {
    const { code, stdout } = await cli(repo, 'compose', '--subgraph', ACCOUNTS, '--subgraph', REPOSITORIES);
    expect(code).toBe(0);
    expect(stdout).toContain('ACCOUNTS @join__graph(name: "accounts", url: "http://accounts.internal/graphql")');
    expect(stdout).toContain('email: String @isAuthenticated(acrValue: MEDIUM) @join__field(graph: ACCOUNTS)');
  });

  it('exits 1 naming the subgraph, the coordinate and the rule when a policy would be dropped', async () => {
    const broken = join(repo, 'broken.graphql');
    writeFileSync(broken, readFileSync(join(repo, 'subgraphs', 'repositories.graphql'), 'utf8').replace('@composeDirective(name: "@isAuthenticated")', ''));
    const { code, stderr } = await cli(repo, 'compose', '--subgraph', ACCOUNTS, '--subgraph', 'repositories=broken.graphql');
    expect(code).toBe(1);
    expect(stderr).toContain(
      '[STEP_UP_POLICY_DROPPED] subgraph "repositories": Mutation.transferRepositoryOwnership carries @isAuthenticated, but the composed supergraph does not',
    );
  });
});

describe('step-up-gateway policy on subgraphs and supergraphs', () => {
  it('reports from a supergraph file exactly what the gateway enforces for it', async () => {
    const { stdout: supergraph } = await cli(repo, 'compose', '--subgraph', ACCOUNTS, '--subgraph', REPOSITORIES);
    writeFileSync(join(repo, 'supergraph.graphql'), supergraph);
    const { code, stdout } = await cli(repo, 'policy', 'supergraph.graphql', '--format', 'json');
    expect(code).toBe(0);
    const ladder = createLadder();
    const served = await buildGeneration(supergraph, { ladder, signer: await createIdentitySigner({ issuer: 'step-up-gateway' }), subgraphs: [] });
    expect((JSON.parse(stdout) as { fields: unknown }).fields).toEqual(JSON.parse(JSON.stringify(policyReport(served.policy))));
  });

  it('diffs a set of subgraphs against a git revision and exits 1 on a weakening', async () => {
    const result = await cli(repo, 'policy', 'diff', '--base', 'HEAD~1', '--subgraph', ACCOUNTS, '--subgraph', REPOSITORIES);
    expect(result).toEqual({
      code: 1,
      stdout: 'WEAKENED Mutation.updateEmail: level HIGH → MEDIUM (also accepts urn:mace:incommon:iap:silver), max age 60 s → 43200 s\n',
      stderr: '1 coordinate(s) weakened; pass --allow-weakening if that is intended\n',
    });
  });

  it('lints the composed graph', async () => {
    const { code, stdout } = await cli(repo, 'policy', 'lint', '--subgraph', ACCOUNTS, '--subgraph', REPOSITORIES);
    expect([code, stdout]).toEqual([0, expect.stringMatching(/^(no finding\n|warning )/)]);
  });
});
