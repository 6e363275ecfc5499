/**
 * Variables that would connect the demo to a real chat platform. The demo talks only to its
 * own emulators, so with any of these set it refuses to start rather than risk messaging
 * real customers or staff.
 */
export const REAL_PLATFORM_VARIABLES = [
  'TELEGRAM_BOT_TOKEN',
  'TELEGRAM_WEBHOOK_URL',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'DISCORD_BOT_TOKEN',
  'DISCORD_TOKEN',
  'DISCORD_APPLICATION_ID',
  'DISCORD_PUBLIC_KEY',
  'AFTERCARE_WEBHOOK_URL',
] as const;

/** The real-platform variables set (non-empty) in `env`, in the order above. */
export function realPlatformVariables(env: Record<string, string | undefined>): string[] {
  return REAL_PLATFORM_VARIABLES.filter((name) => (env[name] ?? '').trim() !== '');
}

/** The message the demo prints when it refuses to start. */
export function refusalMessage(names: string[]): string {
  return (
    `The demo refuses to start: ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} set in the environment.\n` +
    'The demo runs against local emulators only, so that it can never message real customers or staff.\n' +
    `Unset ${names.length === 1 ? 'it' : 'them'} (e.g. \`env -u ${names[0]} npm run demo\`) and run it again.`
  );
}
