import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (file: string) => readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');
const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;

/** The words between `node` and `dist/src/main.js` of a command line. */
function nodeOptions(command: string): string[] {
  const words = command.trim().split(/\s+/);
  const node = words.lastIndexOf('node');
  const entry = words.indexOf('dist/src/main.js');
  expect(node, command).toBeGreaterThanOrEqual(0);
  expect(entry, command).toBeGreaterThan(node);
  return words.slice(node + 1, entry);
}

describe('the server runs with the same Node options everywhere', () => {
  it('npm start sets the young generation small (idle memory)', () => {
    expect(nodeOptions(scripts.start!)).toContain('--max-semi-space-size=4');
  });

  it('npm run worker and the image start it as npm start does', () => {
    const start = nodeOptions(scripts.start!);
    expect(nodeOptions(scripts.worker!.split('&&').at(-1)!.replace(/^\s*AFTERCARE_ROLE=\w+/, ''))).toEqual(start);
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'))?.[1];
    expect(cmd).toBeDefined();
    expect(nodeOptions((JSON.parse(cmd!) as string[]).join(' '))).toEqual(start);
  });
});
