// Bundles the server (src/main.ts and what it imports, libraries included) with esbuild into
// dist/src/main.js, and what it loads only on demand (the chat adapters, the HTTP server) into
// dist/src/chunks: a start reads a few files instead of resolving and reading over a thousand
// modules. Used by `npm run build` and `npm start` (through build-if-changed.js); the CLI tools
// and the demo run from tsc's output beside it.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { root } from './build-web.js';

export const SERVER_OUT = join(root, 'dist', 'src');

/**
 * Left to Node's resolution at run time, from node_modules: msgpackr's optional native
 * addon; bull-board, which serves its UI's files from its own package folder (and is loaded
 * on the first visit of /admin/queues only); discord.js, loaded only when Discord is
 * configured, with optional native packages and worker files of its own.
 */
export const SERVER_EXTERNAL = ['msgpackr-extract', '@bull-board/*', 'discord.js'];

/**
 * Builds `<outdir>/main.js` and `<outdir>/chunks/`. Minified (names kept, for error types
 * and stack traces), with source maps beside (`node --enable-source-maps` uses them).
 */
export async function buildServer(outdir = SERVER_OUT) {
  const { build } = await import('esbuild');
  rmSync(join(outdir, 'chunks'), { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { main: join(root, 'src', 'main.ts') },
    outdir,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    external: SERVER_EXTERNAL,
    // The CommonJS libraries inside an ES module bundle: `require` (of Node's modules and of the
    // external packages) resolves from the bundle's folder, as it would from node_modules.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    minify: true,
    keepNames: true,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  await buildServer();
  process.stderr.write(`server bundle built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
