import { ApplicationCommandOptionType, ApplicationCommandType, Routes, type REST } from 'discord.js';

/** The `/aftercare` slash command with its subcommands, in English and Simplified Chinese. */
export const AFTERCARE_COMMAND = {
  name: 'aftercare',
  type: ApplicationCommandType.ChatInput,
  description: 'After-sales tickets',
  description_localizations: { 'zh-CN': '售后工单' },
  options: [
    { type: ApplicationCommandOptionType.Subcommand, name: 'new', description: 'Open a ticket for a phone or walk-in customer', description_localizations: { 'zh-CN': '为电话或到店客户新建工单' } },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'find',
      description: 'Show a ticket',
      description_localizations: { 'zh-CN': '查看工单' },
      options: [{ type: ApplicationCommandOptionType.String, name: 'number', description: 'Ticket number, e.g. AC-000123', description_localizations: { 'zh-CN': '工单号，例如 AC-000123' }, required: true }],
    },
    { type: ApplicationCommandOptionType.Subcommand, name: 'mine', description: 'Your open tickets', description_localizations: { 'zh-CN': '我的未结工单' } },
    { type: ApplicationCommandOptionType.Subcommand, name: 'queue', description: 'Your department’s open tickets by deadline', description_localizations: { 'zh-CN': '本部门未结工单（按时限）' } },
    { type: ApplicationCommandOptionType.Subcommand, name: 'help', description: 'What the commands do', description_localizations: { 'zh-CN': '命令说明' } },
  ],
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
