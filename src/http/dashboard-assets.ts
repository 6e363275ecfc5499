import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../config/load-config.js';

/** The bundled client files and their content types (nothing else is served from the folder). */
const ASSETS: Record<string, string> = {
  'dashboard-first.js': 'text/javascript; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
};

/**
 * dist/web under the package root, where `npm run build` puts the bundle: the same folder
 * from the build (dist/src, its chunks, tsc's modules) and from sources (tsx, vitest).
 */
export function assetDir(): string {
  return join(packageRoot(), 'dist', 'web');
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
