import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { plainErrorMap, plainFields } from '../core/plain-issues.js';
import type { AftercareConfig } from '../core/types.js';
import { buildConfig, type ConfigIssue } from './build-config.js';
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
  const parsed = fileSchema.safeParse(raw ?? {}, { error: plainErrorMap });
  if (!parsed.success) {
    throw new ConfigError(formatZodIssues(parsed.error).map((i) => `${label}: ${i.path || '(root)'}: ${i.message}`));
  }
  const built = buildConfig(parsed.data);
  if (!built.config) throw new ConfigError(built.issues.map((i) => `${label}: ${i.path}: ${i.message}`));
  return built.config;
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

/**
 * Reads the whole configuration once: environment variables and the YAML file.
 * `AFTERCARE_CONFIG` left at its default and missing falls back to the shipped default;
 * an explicitly named file that is missing is an error.
 */
export function loadConfig(env: Record<string, string | undefined>, cwd = process.cwd()): LoadedConfig {
  const parsedEnv = parseEnv(env);
  const explicit = env.AFTERCARE_CONFIG !== undefined && env.AFTERCARE_CONFIG.trim() !== '';
  const path = resolve(cwd, parsedEnv.AFTERCARE_CONFIG);
  if (existsSync(path)) {
    return { env: parsedEnv, config: parseConfigText(readFileSync(path, 'utf8'), parsedEnv.AFTERCARE_CONFIG), source: path };
  }
  if (explicit) throw new ConfigError([`AFTERCARE_CONFIG: file not found: ${path}`]);
  const builtIn = BUILT_IN_CONFIG_PATH();
  return { env: parsedEnv, config: parseConfigText(readFileSync(builtIn, 'utf8'), 'built-in default'), source: 'built-in' };
}
