import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { plainErrorMap, plainFields } from '../core/plain-issues.js';
import type { AftercareConfig } from '../core/types.js';
import { buildConfig } from './build-config.js';
import { checkReferences, type ConfigIssue } from './check-references.js';
import { checkedEnvSchema, type Env } from './env.js';
import { fileSchema } from './file-schema.js';

export const DEFAULT_CONFIG_PATH = 'config/aftercare.yaml';

/** Thrown when configuration is invalid; `issues` has one line per problem. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  env: Env;
  config: AftercareConfig;
  /** The file the configuration came from, or `built-in` for the shipped default. */
  source: string;
}

function formatZodIssues(error: z.ZodError): ConfigIssue[] {
  return plainFields(error, { root: '' });
}

/** The package root (where package.json is), found from this module's location (src/ or dist/src/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

export const BUILT_IN_CONFIG_PATH = (): string => join(packageRoot(), 'config', 'aftercare.example.yaml');

/** Parses and checks a YAML text; issues are prefixed with `label`. */
export function parseConfigText(text: string, label: string): AftercareConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const msg = err instanceof YAMLParseError ? err.message.split('\n')[0] : String(err);
    throw new ConfigError([`${label}: not valid YAML: ${msg}`]);
  }
  // The schema and the cross-references are checked side by side, so one run reports every problem.
  const parsed = fileSchema.safeParse(raw ?? {}, { error: plainErrorMap });
  const issues = [...(parsed.success ? [] : formatZodIssues(parsed.error)), ...checkReferences(raw)];
  if (!parsed.success || issues.length > 0) {
    throw new ConfigError(issues.map((i) => `${label}: ${i.path || '(root)'}: ${i.message}`));
  }
  return buildConfig(parsed.data);
}

/** Environment variables set to an empty string count as unset (a blank `PORT=` line means the default). */
export function parseEnv(env: Record<string, string | undefined>): Env {
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = checkedEnvSchema.safeParse(given, { error: plainErrorMap });
  if (!parsed.success) {
    throw new ConfigError(formatZodIssues(parsed.error).map((i) => `${i.path}: ${i.message}`));
  }
  return parsed.data;
}

/** Where the configuration comes from: the file `AFTERCARE_CONFIG` names, or the shipped default. */
export interface ConfigSource {
  /** Absolute path of the file read. */
  path: string;
  /** Prefix of issue lines: the variable's value as given, or `built-in default`. */
  label: string;
  builtIn: boolean;
}

/**
 * `AFTERCARE_CONFIG` left at its default and missing falls back to the shipped default;
 * an explicitly named file that is missing is an error.
 */
export function configSource(env: Record<string, string | undefined>, parsedEnv: Env, cwd = process.cwd()): ConfigSource {
  const explicit = env.AFTERCARE_CONFIG !== undefined && env.AFTERCARE_CONFIG.trim() !== '';
  const path = resolve(cwd, parsedEnv.AFTERCARE_CONFIG);
  if (existsSync(path)) return { path, label: parsedEnv.AFTERCARE_CONFIG, builtIn: false };
  if (explicit) throw new ConfigError([`AFTERCARE_CONFIG: file not found: ${path}`]);
  return { path: BUILT_IN_CONFIG_PATH(), label: 'built-in default', builtIn: true };
}

/** Reads the whole configuration once: environment variables and the YAML file (see configSource). */
export function loadConfig(env: Record<string, string | undefined>, cwd = process.cwd()): LoadedConfig {
  const parsedEnv = parseEnv(env);
  const from = configSource(env, parsedEnv, cwd);
  const config = parseConfigText(readFileSync(from.path, 'utf8'), from.label);
  return { env: parsedEnv, config, source: from.builtIn ? 'built-in' : from.path };
}
