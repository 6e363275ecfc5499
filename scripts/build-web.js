// Bundles the dashboard's client (web/dashboard) with esbuild into dist/web: the app serves
// these files itself, so nothing is fetched from a CDN at run time. Used by `npm run build`,
// `npm start` (through build-if-changed.js) and the browser test's global setup.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_SOURCES = join(root, 'web');
export const WEB_OUT = join(root, 'dist', 'web');

/** Builds dist/web/dashboard-first.js, dashboard.js and dashboard.css. */
export async function buildWeb() {
  const { build } = await import('esbuild');
  mkdirSync(WEB_OUT, { recursive: true });
  const common = {
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['chrome110', 'firefox110', 'safari16'],
    legalComments: 'none',
    logLevel: 'warning',
  };
  // The first load's requests start from a small script of their own, before the charts bundle has run.
  await build({ ...common, entryPoints: [join(WEB_SOURCES, 'dashboard', 'first-load.ts')], outfile: join(WEB_OUT, 'dashboard-first.js') });
  await build({ ...common, entryPoints: [join(WEB_SOURCES, 'dashboard', 'main.ts')], outfile: join(WEB_OUT, 'dashboard.js') });
  copyFileSync(join(WEB_SOURCES, 'dashboard', 'dashboard.css'), join(WEB_OUT, 'dashboard.css'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  await buildWeb();
  process.stderr.write(`dashboard assets built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
