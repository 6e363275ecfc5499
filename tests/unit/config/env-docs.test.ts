import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../../src/config/env.js';

const KEYS = Object.keys(envSchema.shape);
const read = (file: string) => readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');

describe('every environment variable is documented', () => {
  it('in .env.example, each with a comment line above it', () => {
    const lines = read('.env.example').split('\n');
    const missing: string[] = [];
    const uncommented: string[] = [];
    for (const key of KEYS) {
      const at = lines.findIndex((l) => l.startsWith(`${key}=`));
      if (at === -1) missing.push(key);
      else if (!lines[at - 1]?.startsWith('#')) uncommented.push(key);
    }
    expect(missing).toEqual([]);
    expect(uncommented).toEqual([]);
  });

  it('in the README configuration table', () => {
    const readme = read('README.md');
    expect(KEYS.filter((key) => !readme.includes(`| \`${key}\` |`))).toEqual([]);
  });

  it('in compose.yaml, passed through to the app container', () => {
    const compose = parse(read('compose.yaml')) as { services: { app: { environment: Record<string, string> } } };
    const passed = Object.keys(compose.services.app.environment);
    expect(KEYS.filter((key) => !passed.includes(key))).toEqual([]);
  });
});
