import { execFile, spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIssuer } from '../helpers/issuer.js';

/**
 * The package as a user gets it: `npm pack` (whose `prepare` script builds dist/), the tarball installed into a
 * fresh project that has only `@apollo/server` and `graphql` of its own (and, for the type check, the
 * consumer's own `typescript` and `@types/node`), then the README snippet run with plain `node` and a
 * strict TypeScript consumer type-checked. Nothing here reaches into src/: only the tarball counts.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixture/', import.meta.url));
const SILVER = 'urn:mace:incommon:iap:silver';
const GOLD = 'urn:mace:incommon:iap:gold';

/**
 * What is not copied to the folder that is packed: what npm pack would not ship anyway, the build output
 * it rebuilds, and the dev keys.
 */
const NOT_COPIED = new Set(['.git', 'node_modules', 'dist', 'coverage', '.dev-keys']);

/** The graphql the repository itself resolves: two copies of graphql in one process cannot share a schema. */
const GRAPHQL_VERSION = (JSON.parse(readFileSync(join(ROOT, 'node_modules/graphql/package.json'), 'utf8')) as { version: string }).version;

/**
 * The environment of the npm commands: ours, without what `npm test` injects into its scripts
 * (`npm_config_local_prefix` names this repository; a nested npm must find its own project).
 */
const npmEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(npm_(package_|lifecycle_|command$|config_local_prefix$)|INIT_CWD$)/.test(name)),
);

/** A user's shell, not vitest's: no NODE_ENV=test, no NODE_OPTIONS. */
const userEnv = (extra: Record<string, string>): Record<string, string> => ({
  PATH: process.env['PATH'] ?? '',
  HOME: process.env['HOME'] ?? tmpdir(),
  ...extra,
});

interface Ran {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without a shell; a failure names the command, where it ran, and everything it printed. */
function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: Record<string, string | undefined>; timeout: number; hint?: string },
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: options.cwd, env: options.env, timeout: options.timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) return resolve({ stdout, stderr });
      const why = error.killed ? `was killed after ${options.timeout} ms` : `failed with exit code ${String(error.code)}`;
      reject(
        new Error(
          `\`${command} ${args.join(' ')}\` in ${options.cwd} ${why}${options.hint === undefined ? '' : ` (${options.hint})`}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
        ),
      );
    });
  });
}

let work: string;
let tarball: string;
let project: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'step-up-package-'));
  const source = join(work, 'source');
  const packed = join(work, 'packed');
  project = join(work, 'consumer');
  mkdirSync(packed);
  mkdirSync(project);

  // Packed from a copy of the working tree: `npm pack` runs `prepare`, which rebuilds dist/, and the
  // repository's own dist/ is in use meanwhile (the CLI tests run bin/, which loads it).
  cpSync(ROOT, source, { recursive: true, filter: (from) => !NOT_COPIED.has(relative(ROOT, from)) });
  symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
  // The build prints on stdout before npm's own output: read the tarball from the folder, not from stdout.
  await run('npm', ['pack', '--pack-destination', packed], { cwd: source, env: npmEnv, timeout: 240_000 });
  const tarballs = readdirSync(packed).filter((name) => name.endsWith('.tgz'));
  if (tarballs.length !== 1) throw new Error(`npm pack left ${tarballs.length} tarballs in ${packed}: ${tarballs.join(', ')}`);
  tarball = join(packed, tarballs[0]!);

  // The same pin as the repository's own package.json: this machine's registry lacks the
  // @graphql-tools/batch-execute that @graphql-tools/delegate 12.3 needs (the public registry has it).
  const overrides = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { overrides: Record<string, string> }).overrides;
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'consumer', type: 'module', private: true, overrides }, null, 2)}\n`);
  for (const file of ['consumer.mjs', 'consumer.ts', 'tsconfig.json', 'resolveLog.mjs']) copyFileSync(join(FIXTURE, file), join(project, file));
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      tarball,
      '@apollo/server@^5',
      `graphql@${GRAPHQL_VERSION}`,
      'typescript@~6.0',
      '@types/node@^20',
    ],
    { cwd: project, env: npmEnv, timeout: 240_000, hint: 'the npm registry must be reachable, or every package already in the npm cache' },
  );
}, 300_000);

/** The first match of `pattern` in what `child` prints, within 20 s. */
function printedUrl(child: ReturnType<typeof spawn>, pattern: RegExp): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`nothing matching ${pattern} within 20 s:\n${output}`)), 20_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${String(code ?? signal)}:\n${output}`));
    });
  });
}

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('the packed package, installed into a fresh project', () => {
  it('runs the README snippet with plain node: a silver token gets STEP_UP_REQUIRED, a fresh gold token the secret', async () => {
    const now = () => Math.floor(Date.now() / 1000);
    const issuer = await startTestIssuer({ now, audience: 'my-api' });
    const child = spawn(process.execPath, ['consumer.mjs'], {
      cwd: project,
      env: userEnv({ OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: 'my-api', PORT: '0' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        const timer = setTimeout(() => reject(new Error(`consumer.mjs printed no URL within 20 s:\n${output}`)), 20_000);
        const read = (chunk: Buffer) => {
          output += chunk.toString();
          const match = /^ready at (https?:\/\/\S+)$/m.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        };
        child.stdout.on('data', read);
        child.stderr.on('data', read);
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`consumer.mjs exited with ${String(code ?? signal)}:\n${output}`));
        });
      });
      const post = async (token: string) => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ hello secret }' }),
        });
        return { status: response.status, challenge: response.headers.get('www-authenticate'), body: (await response.json()) as unknown };
      };

      const silver = await post(await issuer.sign({ acr: SILVER, auth_time: now() }));
      expect(silver.status).toBe(200);
      expect(silver.body).toMatchObject({ data: { hello: 'world', secret: null }, errors: [{ path: ['secret'], extensions: { code: 'STEP_UP_REQUIRED' } }] });
      expect(silver.challenge).toMatch(/^Bearer /);
      expect(silver.challenge).toContain('error="insufficient_user_authentication"');
      expect(silver.challenge).toContain(`acr_values="${GOLD}"`);
      expect(silver.challenge).toContain('max_age="300"');

      const gold = await post(await issuer.sign({ acr: GOLD, auth_time: now() }));
      expect(gold.status).toBe(200);
      expect(gold.body).toEqual({ data: { hello: 'world', secret: 'for alice' } });
      expect(gold.challenge).toBeNull();
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      await issuer.close();
    }
  }, 60_000);

  it("serves the README's my-graph.js with npx step-up-gateway serve, the step-up enforced", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const snippet = /```js\n(\/\/ my-graph\.js\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet, 'README.md has no my-graph.js snippet').toBeDefined();
    const folder = mkdtempSync(join(project, 'my-graph-'));
    writeFileSync(join(folder, 'my-graph.js'), snippet!);
    writeFileSync(join(folder, 'step-up.config.json'), '{ "graph": "my-graph.js" }');
    const now = () => Math.floor(Date.now() / 1000);
    const issuer = await startTestIssuer({ now, audience: 'my-api' });
    const child = spawn(process.execPath, [join(project, 'node_modules/.bin/step-up-gateway'), 'serve'], {
      cwd: folder,
      env: userEnv({ OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: 'my-api', PORT: '0', HOST: '127.0.0.1' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const url = await printedUrl(child, /GraphQL gateway ready at (\S+)/);
      const post = async (token: string) => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ hello secret }' }),
        });
        return (await response.json()) as unknown;
      };
      expect(await post(await issuer.sign({ acr: SILVER, auth_time: now() }))).toMatchObject({
        data: { hello: 'world', secret: null },
        errors: [{ extensions: { code: 'STEP_UP_REQUIRED' } }],
      });
      expect(await post(await issuer.sign({ acr: GOLD, auth_time: now() }))).toEqual({ data: { hello: 'world', secret: 'for alice' } });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      await issuer.close();
    }
  }, 60_000);

  it('refuses to serve without a graph configured, naming the keys, and ships no example', async () => {
    expect(existsSync(join(project, 'node_modules/step-up-gateway/dist/examples'))).toBe(false);
    const folder = mkdtempSync(join(project, 'no-graph-'));
    const failed = await run(process.execPath, [join(project, 'node_modules/.bin/step-up-gateway'), 'serve'], {
      cwd: folder,
      env: userEnv({ OIDC_ISSUER: 'http://127.0.0.1:9/', OIDC_AUDIENCE: 'my-api', PORT: '0', HOST: '127.0.0.1' }),
      timeout: 30_000,
    }).catch((error: Error) => error);
    expect(String(failed)).toContain('no graph to serve: set "graph" (an ES module of your own), "subgraphs" or "supergraph" in the config file');
  });

  it('type-checks a strict TypeScript consumer without skipLibCheck', async () => {
    // The check must hold without oidc-provider's types: a consumer of the public API does not get them.
    expect(existsSync(join(project, 'node_modules/@types/oidc-provider')), 'the package pulls in @types/oidc-provider').toBe(false);
    const tsc = join(project, 'node_modules/typescript/bin/tsc');
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
      execFile(process.execPath, [tsc, '-p', '.', '--pretty', 'false'], { cwd: project, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, out, err) =>
        resolve({ stdout: out, stderr: err, code: error === null ? 0 : typeof error.code === 'number' ? error.code : null }),
      );
    });
    expect({ code, output: `${stdout}${stderr}` }).toEqual({ code: 0, output: '' });
  }, 150_000);

  it('ships only dist, the README, the licence and package.json', async () => {
    const { stdout } = await run('tar', ['-tvzf', tarball], { cwd: work, env: npmEnv, timeout: 30_000 });
    const entries = stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        // GNU tar: "-rw-r--r-- 0/0  1234 1985-10-26 08:15 package/dist/index.js"
        const [, , size, , , ...path] = line.trim().split(/\s+/);
        return { path: path.join(' '), size: Number(size) };
      });
    const allowed = (path: string) =>
      path.startsWith('package/dist/') || path.startsWith('package/bin/') || ['package/package.json', 'package/README.md', 'package/LICENSE'].includes(path);
    expect(entries.map((entry) => entry.path).filter((path) => !allowed(path))).toEqual([]);
    expect(entries.map((entry) => entry.path)).toContain('package/package.json');

    const unpacked = entries.reduce((sum, entry) => sum + entry.size, 0);
    console.log(
      `step-up-gateway tarball: ${entries.length} files, ${(statSync(tarball).size / 1024).toFixed(1)} kB packed, ${(unpacked / 1024).toFixed(1)} kB unpacked`,
    );
  });

  it("loads none of the gateway's server parts (provider, Redis, logger, metrics) when the library is imported", async () => {
    const log = join(work, 'resolved.log');
    writeFileSync(log, '');
    const hooks = pathToFileURL(join(project, 'resolveLog.mjs')).href;
    const register = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hooks)});`)}`;
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', register, '--input-type=module', '-e', "await import('step-up-gateway'); await import('step-up-gateway/policy'); console.log('ok');"],
      { cwd: project, env: userEnv({ RESOLVE_LOG: log }), timeout: 30_000 },
    );
    expect(stdout.trim()).toBe('ok');
    expect(stderr).not.toContain('oidc-provider WARNING');
    const loaded = readFileSync(log, 'utf8')
      .split('\n')
      .filter((url) => /\/node_modules\/(oidc-provider|@redis\/client|pino|prom-client|@keyv\/redis)\//.test(url));
    expect(loaded).toEqual([]);
  });

  it('serves the standalone gateway from step-up-gateway/gateway', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const gateway = await import('step-up-gateway/gateway'); console.log(typeof gateway.startGateway, typeof gateway.loadConfig);",
      ],
      { cwd: project, env: userEnv({}), timeout: 30_000 },
    );
    expect(stdout.trim()).toBe('function function');
  });
});
