import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The page's scripts, by the path they are served at. */
export type DemoBundle = ReadonlyMap<'/app.js' | '/callback.js', string>;

let built: Promise<DemoBundle> | undefined;

/**
 * Bundles the demo app and its popup callback for the browser (the client, the ladder and oauth4webapi in
 * each), once per process and on first request, so that a dev gateway that no browser visits never pays for
 * it. esbuild is a devDependency: the demo page needs the repository (`npm ci`); an installed package
 * rejects here and the page says why.
 */
export function demoBundle(): Promise<DemoBundle> {
  return (built ??= build().catch((error: unknown) => {
    built = undefined;
    throw error;
  }));
}

async function build(): Promise<DemoBundle> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('the demo page is bundled with esbuild, a devDependency: run the gateway from a clone of the repository after `npm ci`');
  }
  // Next to this file: the TypeScript sources under tsx, the compiled ones under dist/.
  const ext = extname(fileURLToPath(import.meta.url));
  const entry = (name: string) => fileURLToPath(new URL(`./${name}${ext}`, import.meta.url));
  const result = await esbuild.build({
    entryPoints: { app: entry('app'), callback: entry('callback') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: 'demo', // named only: nothing is written
    write: false,
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  const text = (name: string) => result.outputFiles.find((file) => file.path.endsWith(`/${name}.js`))!.text;
  return new Map([
    ['/app.js', text('app')],
    ['/callback.js', text('callback')],
  ]);
}
