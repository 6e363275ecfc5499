import { ApplicationCommandOptionType, ApplicationCommandType, Routes, type REST } from 'discord.js';
import { DESK_COMMANDS, type DeskCommand } from '../../src/app/desk/intents.js';
import { translator } from '../../src/i18n/index.js';

const en = translator('en');
const zh = translator('zh-CN');
/** A description in English with its Simplified Chinese localization, from the shared catalogue. */
const describe = (key: string) => ({ description: en(`desk.command.describe.${key}`), description_localizations: { 'zh-CN': zh(`desk.command.describe.${key}`) } });

/** Options a subcommand takes. */
const OPTIONS: Partial<Record<DeskCommand, unknown[]>> = {
  find: [{ type: ApplicationCommandOptionType.String, name: 'number', ...describe('findNumber'), required: true }],
  stats: [
    {
      type: ApplicationCommandOptionType.String,
      name: 'period',
      ...describe('statsPeriod'),
      required: false,
      choices: ['today', 'week', 'month'].map((value) => ({ name: value, value })),
    },
    { type: ApplicationCommandOptionType.String, name: 'department', ...describe('statsDepartment'), required: false },
  ],
};

/** Subcommand options in the order the desk reads them as words. */
export const OPTION_ORDER = ['number', 'period', 'department'];

/** The `/aftercare` slash command with the desk's subcommands, in English and Simplified Chinese. */
export const AFTERCARE_COMMAND = {
  name: 'aftercare',
  type: ApplicationCommandType.ChatInput,
  ...describe('aftercare'),
  options: DESK_COMMANDS.map((name) => ({ type: ApplicationCommandOptionType.Subcommand, name, ...describe(name), ...(OPTIONS[name] && { options: OPTIONS[name] }) })),
};

/**
 * Registers `/aftercare` for one server (instant) or globally (may take up to an hour to
 * appear), replacing the application's other commands in that scope.
 */
export async function registerCommands(rest: REST, applicationId: string, guildId?: string): Promise<{ scope: string; commands: { id: string; name: string }[] }> {
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  const commands = (await rest.put(route, { body: [AFTERCARE_COMMAND] })) as { id: string; name: string }[];
  return { scope: guildId ? `server ${guildId}` : 'global', commands };
}
