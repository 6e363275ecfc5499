import { readFileSync } from 'node:fs';
import { BUILT_IN_CONFIG_PATH, parseConfigText } from '../../src/config/load-config.js';
import type { AftercareConfig } from '../../src/core/types.js';

/** The shipped example configuration (the built-in default). */
export function exampleConfig(): AftercareConfig {
  return parseConfigText(readFileSync(BUILT_IN_CONFIG_PATH(), 'utf8'), 'example');
}

/** Example config with every department on wall-clock time, for tests that count exact hours. */
export function wallClockConfig(): AftercareConfig {
  const c = exampleConfig();
  return { ...c, departments: c.departments.map(({ calendar: _c, ...d }) => d) };
}
