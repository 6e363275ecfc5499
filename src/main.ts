import { loadedOrReported } from './cli/load.js';
import { loadConfig } from './config/load-config.js';
import { safeError } from './core/safe-error.js';
import { startApp } from './start-app.js';

async function main(): Promise<void> {
  const loaded = loadedOrReported(() => loadConfig(process.env));
  if (!loaded) process.exit(1);
  const app = await startApp(loaded, {
    onGeneratedToken: (token) => {
      console.log(
        `\nGenerated an API token (shown only this once):\n\n  ${token}\n\n` +
          'Keep it: clients send it as "Authorization: Bearer <token>".\n' +
          'To choose your own instead, set AFTERCARE_API_TOKEN (a long random string) and restart.\n',
      );
    },
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      app.logger.error('shutdown took longer than 10 s, exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    app
      .close()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        app.logger.error({ err: safeError(err) }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  const safe = safeError(err);
  console.error(safe.stack ?? `${safe.type}: ${safe.message}`);
  process.exit(1);
});
