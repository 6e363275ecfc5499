import { readFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bundled client files and their content types (nothing else is served from the folder). */
const ASSETS: Record<string, string> = {
  'dashboard-first.js': 'text/javascript; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
};

/**
 * dist/web, where `npm run build` puts the bundle: beside dist/src when running the build,
 * under the project root when running from sources (tsx, vitest).
 */
export function assetDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const built = `${sep}dist${sep}src${sep}http`;
  return here.endsWith(built) ? join(here, '..', '..', 'web') : join(here, '..', '..', 'dist', 'web');
}

export interface Asset {
  body: Buffer;
  contentType: string;
}

/** Reads the bundle's files once, on first request; undefined for a name that is not an asset or a file not built. */
export function assetReader(dir = assetDir()): (name: string) => Promise<Asset | undefined> {
  const cache = new Map<string, Promise<Asset | undefined>>();
  return (name) => {
    const contentType = ASSETS[name];
    if (!contentType) return Promise.resolve(undefined);
    let asset = cache.get(name);
    if (!asset) {
      asset = readFile(join(dir, name)).then(
        (body) => ({ body, contentType }),
        () => {
          cache.delete(name); // not built yet: look again next time
          return undefined;
        },
      );
      cache.set(name, asset);
    }
    return asset;
  };
}
