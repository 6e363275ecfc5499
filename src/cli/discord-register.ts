import { REST } from 'discord.js';
import { registerCommands } from '../../adapters/discord/commands.js';
import { ConfigError, parseEnv } from '../config/load-config.js';

/**
 * `npm run discord:register`: registers the /aftercare command for DISCORD_GUILD_ID
 * (instant) or globally, and prints what it did.
 */
try {
  const env = parseEnv(process.env);
  if (!env.DISCORD_BOT_TOKEN || !env.DISCORD_APPLICATION_ID) {
    console.error('DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID must be set');
    process.exit(2);
  }
  const rest = new REST({ version: '10', ...(env.DISCORD_API_URL && { api: env.DISCORD_API_URL.replace(/\/+$/, '') }) }).setToken(env.DISCORD_BOT_TOKEN);
  const { scope, commands } = await registerCommands(rest, env.DISCORD_APPLICATION_ID, env.DISCORD_GUILD_ID);
  for (const c of commands) console.log(`registered /${c.name} (${c.id}) — ${scope}`);
  if (!env.DISCORD_GUILD_ID) console.log('global commands can take up to an hour to appear; set DISCORD_GUILD_ID to register on one server at once');
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `registration failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
