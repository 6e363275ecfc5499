import { InteractionResponseType, InteractionType, MessageFlags, Routes, type REST } from 'discord.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import { Desk, type Answer } from '../../src/app/desk/intents.js';
import type { UseCaseDeps } from '../../src/app/deps.js';
import type { ReportSource } from '../../src/app/reports.js';
import type { InboundDedup } from '../../src/app/ports.js';
import { safeError } from '../../src/core/safe-error.js';
import { cleanText } from '../../src/core/text.js';
import { translator } from '../../src/i18n/index.js';
import { OPTION_ORDER } from './commands.js';
import { formModal, modalRows, modalValues } from './forms.js';
import { cardMessage, clip, NO_MENTIONS } from './render.js';

/**
 * Discord interactions (buttons, modals, `/aftercare`) as raw API payloads, from the gateway or
 * the HTTP endpoint alike. The desk (src/app/desk/intents.ts) decides what each one does; this
 * file answers at once (a modal, an ephemeral message, or a deferral) and draws what comes after.
 * custom_ids are never trusted — every action goes through the use cases. A duplicate
 * interaction id is dropped.
 */

export type InteractionResponse = { type: number; data?: Record<string, unknown> };
export type Respond = (body: InteractionResponse) => Promise<void>;

const DISCORD = 'discord';

const user = z.looseObject({ id: z.string().min(1) });
const commandOption = z.looseObject({ name: z.string(), type: z.number(), value: z.unknown().optional() });

export const interactionSchema = z.looseObject({
  id: z.string().min(1),
  application_id: z.string().optional(),
  type: z.number().int(),
  token: z.string().min(1),
  channel_id: z.string().optional(),
  member: z.looseObject({ user }).optional(),
  user: user.optional(),
  locale: z.string().optional(),
  data: z
    .looseObject({
      name: z.string().optional(),
      custom_id: z.string().optional(),
      component_type: z.number().optional(),
      values: z.array(z.string()).optional(),
      options: z.array(commandOption.extend({ options: z.array(commandOption).optional() })).optional(),
      components: modalRows.optional(),
    })
    .optional(),
});
export type RawInteraction = z.infer<typeof interactionSchema>;

export interface InteractionOptions {
  deps: UseCaseDeps;
  reports?: ReportSource | undefined;
  rest: REST;
  applicationId: string;
  dedup: InboundDedup;
  logger: Logger;
}

const EPHEMERAL = MessageFlags.Ephemeral;

/** `/aftercare <sub> [options]` as the words staff would type on Slack: `find AC-000123`. */
function commandText(i: RawInteraction): string {
  const sub = i.data?.options?.[0];
  if (!sub) return 'help';
  // In the order the command declares its options, whatever order they arrive in.
  const order = (name: string) => OPTION_ORDER.indexOf(name);
  const args = [...(sub.options ?? [])]
    .sort((a, b) => order(a.name) - order(b.name))
    .map((o) => (typeof o.value === 'string' ? cleanText(o.value) : typeof o.value === 'number' ? String(o.value) : ''));
  return [sub.name, ...args].filter(Boolean).join(' ');
}

export function createInteractionHandler(o: InteractionOptions) {
  const desk = new Desk(o.deps, 'discord', o.logger.child({ platform: DISCORD }), o.reports);
  async function followUp(i: RawInteraction, content: string): Promise<void> {
    await o.rest.post(Routes.webhook(o.applicationId, i.token), {
      body: { content: clip(content, 2000), flags: EPHEMERAL, allowed_mentions: NO_MENTIONS },
      auth: false,
    });
  }

  async function editOriginal(i: RawInteraction, body: Record<string, unknown>): Promise<void> {
    await o.rest.patch(Routes.webhookMessage(o.applicationId, i.token, '@original'), { body: { allowed_mentions: NO_MENTIONS, ...body }, auth: false });
  }

  /** Our own help text: Slack-style *bold* becomes Discord's **bold**; nothing in it comes from a person. */
  const discordHelp = (text: string) => text.replace(/\*([^*\n]+)\*/g, '**$1**');

  /** An answer as a message body (for an ephemeral reply or the deferred message). */
  function message(answer: Exclude<Answer, { kind: 'form' | 'work' }>): Record<string, unknown> {
    switch (answer.kind) {
      case 'say':
      case 'invalid':
        return { content: clip(answer.text, 2000), embeds: [], components: [] };
      case 'help':
        return { content: discordHelp(answer.text), embeds: [], components: [] };
      case 'card':
        return { content: '', ...cardMessage(answer.card) };
      case 'document':
        return { content: '', embeds: [{ title: clip(answer.title, 256), description: clip(answer.text, 4000) }], components: [] };
    }
  }

  /**
   * Answers the interaction with what the desk said. Work is deferred first: a card button's
   * result shows on the card (only a failure is told, as a follow-up); a form's or a command's
   * result replaces the deferred message ("done" when there is nothing else to say).
   */
  async function answerWith(i: RawInteraction, answer: Answer, respond: Respond, done: string): Promise<void> {
    if (answer.kind === 'form') return respond(formModal(answer.form));
    if (answer.kind !== 'work') return respond({ type: InteractionResponseType.ChannelMessageWithSource, data: { ...message(answer), flags: EPHEMERAL, allowed_mentions: NO_MENTIONS } });
    if (!answer.visible) {
      await respond({ type: InteractionResponseType.DeferredMessageUpdate });
      const next = await answer.run();
      if (next && next.kind !== 'form' && next.kind !== 'work') await followUp(i, 'text' in next ? next.text : done);
      return;
    }
    await respond({ type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: EPHEMERAL } });
    const next = await answer.run();
    await editOriginal(i, next && next.kind !== 'form' && next.kind !== 'work' ? message(next) : { content: clip(done, 2000), embeds: [], components: [] });
  }

  /** Handles one interaction; `respond` sends the initial response (callback or HTTP answer). */
  return async function handle(raw: unknown, respond: Respond): Promise<void> {
    const parsed = interactionSchema.safeParse(raw);
    if (!parsed.success) {
      o.logger.warn({ issues: parsed.error.issues }, 'discord: malformed interaction');
      return;
    }
    const i = parsed.data;
    const type = i.type as InteractionType;
    if (type === InteractionType.Ping) return respond({ type: InteractionResponseType.Pong });
    if (!(await o.dedup.claim(DISCORD, i.id))) return;
    const userId = i.member?.user.id ?? i.user?.id ?? '';
    const t = translator(desk.language(desk.staff(userId), i.locale));
    const [prefix, kind = '', ...args] = (i.data?.custom_id ?? '').split(':');
    try {
      let answer: Answer;
      let number = '';
      if (type === InteractionType.ApplicationCommand) {
        answer = await desk.command(userId, commandText(i), i.locale);
      } else if (prefix === 'ac' && type === InteractionType.MessageComponent) {
        number = args[0] ?? '';
        answer = await desk.press(userId, kind, args.join(':'), i.locale);
      } else if (prefix === 'ac' && type === InteractionType.ModalSubmit && kind === 'm') {
        number = args[1] ?? '';
        answer = await desk.submit(userId, args[0] ?? '', number || undefined, modalValues(i.data?.components ?? []), i.locale);
      } else {
        answer = { kind: 'say', text: t('common.invalidButton') };
      }
      await answerWith(i, answer, respond, t('desk.reply.done', { number }));
    } catch (err) {
      o.logger.error({ err: safeError(err), interaction: i.id }, 'discord: interaction failed');
    }
  };
}
