import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildWeb, WEB_OUT, WEB_SOURCES } from '../../scripts/build-web.js';

/** Newest modification time (ms) under a folder. */
function newest(dir: string): number {
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    max = Math.max(max, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return max;
}

/**
 * Tests run from sources, but the app serves the dashboard's bundle from dist/web: build it
 * when it is missing or older than its sources (web/) or its libraries (package-lock.json).
 */
export default async function setup(): Promise<void> {
  const bundle = join(WEB_OUT, 'dashboard.js');
  const lock = join(WEB_SOURCES, '..', 'package-lock.json');
  const built = existsSync(bundle) ? statSync(bundle).mtimeMs : -1;
  if (built < Math.max(newest(WEB_SOURCES), statSync(lock).mtimeMs)) await buildWeb();
}
