import { ConfigError } from '../config/load-config.js';

/**
 * Runs a command's configuration loader; a configuration problem prints one `config error:`
 * line per issue and gives undefined (the command then exits with its error code).
 */
export function loadedOrReported<T>(load: () => T): T | undefined {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.issues) console.error(`config error: ${line}`);
      return undefined;
    }
    throw err;
  }
}

/** Runs a command's `main` and exits with its code; anything it throws is one `<name> error:` line and exit 2. */
export function runCommand(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`${name} error: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(2);
    },
  );
}
