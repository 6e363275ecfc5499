// Builds dist/ (tsc's output, the server's bundle dist/src/main.js, and the dashboard's bundle in dist/web) only when a source changed
// since the last build, and says which it is.
// Used by `npm start`, `npm run worker` and the CLI scripts; plain Node, no dev tools needed.
// In the Docker image there are no sources (only dist/): nothing to do.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer } from './build-server.js';
import { buildWeb } from './build-web.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['src', 'adapters', 'web'];
const INPUT_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];
const STAMP = join(root, 'dist', '.build-stamp');
const ENTRY = join(root, 'dist', 'src', 'main.js');
const BUNDLE = join(root, 'dist', 'web', 'dashboard.js');

/** Every input of the build with its modification time (ms). */
function inputs() {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|json|css)$/.test(e.name)) out.push([p, statSync(p).mtimeMs]);
    }
  };
  for (const d of SOURCE_DIRS) if (existsSync(join(root, d))) walk(join(root, d));
  for (const f of INPUT_FILES) if (existsSync(join(root, f))) out.push([join(root, f), statSync(join(root, f)).mtimeMs]);
  return out;
}

const log = (line) => process.stderr.write(`${line}\n`);

if (!SOURCE_DIRS.some((d) => existsSync(join(root, d)))) process.exit(0); // a built image: dist/ is all there is

const files = inputs();
const built = existsSync(STAMP) && existsSync(ENTRY) && existsSync(BUNDLE) ? statSync(STAMP).mtimeMs : -1;
const changed = files.filter(([, m]) => m > built).map(([p]) => relative(root, p));
if (changed.length === 0) {
  log('build is up to date');
  process.exit(0);
}

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  log('sources changed, but TypeScript is not installed: run `npm ci` first');
  process.exit(1);
}
const why = built < 0 ? 'no build yet' : `sources changed: ${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ` and ${changed.length - 3} more` : ''}`;
log(`building (${why})…`);
const started = Date.now();
// A live elapsed-time line on a terminal; in logs only the first and the last line.
const ticker = process.stderr.isTTY
  ? setInterval(() => process.stderr.write(`\r  compiling… ${Math.round((Date.now() - started) / 1000)} s`), 1000)
  : undefined;
const child = spawn(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
child.on('exit', async (code) => {
  if (code === 0) {
    try {
      await buildWeb();
      await buildServer();
    } catch (err) {
      log(`the bundles did not build: ${err instanceof Error ? err.message : String(err)}`);
      code = 1;
    }
  }
  if (ticker) {
    clearInterval(ticker);
    process.stderr.write('\r\x1b[K');
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (code !== 0) {
    log(`build failed after ${seconds} s`);
    process.exit(code ?? 1);
  }
  // Stamped with the start time: a file saved during the build triggers the next one.
  writeFileSync(STAMP, '');
  utimesSync(STAMP, new Date(started), new Date(started));
  log(`built in ${seconds} s`);
});
