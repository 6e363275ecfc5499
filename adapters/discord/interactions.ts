import { randomUUID } from 'node:crypto';
import { ComponentType, InteractionResponseType, InteractionType, MessageFlags, Routes, TextInputStyle, type REST } from 'discord.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import { actOnTicket, authorize, COORDINATION_ROLES, type TicketCommand, type TicketCommandType } from '../../src/app/act-on-ticket.js';
import { createTicket } from '../../src/app/create-ticket.js';
import type { UseCaseDeps } from '../../src/app/deps.js';
import type { InboundDedup, TicketDetail } from '../../src/app/ports.js';
import { findCard, revealContactText, ticketByNumber, ticketList, TICKET_NUMBER } from '../../src/app/staff-queries.js';
import { explainError } from '../../src/app/desk/explain-error.js';
import { departmentName, parseWhen, ticketTimeZone, truncate, type ViewContext } from '../../src/app/desk/view-context.js';
import { AftercareError, ValidationError } from '../../src/core/errors.js';
import { CATEGORIES, SEVERITIES, type StaffMember } from '../../src/core/types.js';
import { translator } from '../../src/i18n/index.js';
import { cardMessage, clip, customId, NO_MENTIONS } from './render.js';
import { safeError } from '../../src/core/safe-error.js';
import { cleanText } from '../../src/core/text.js';

/**
 * Discord interactions (buttons, selects, modals, `/aftercare`) as raw API payloads, from
 * the gateway or the HTTP endpoint alike. Each is answered (or deferred) at once and worked
 * after; custom_ids are never trusted — every action goes through the use cases, which
 * check the member's department and role again. A duplicate interaction id is dropped.
 */

export type InteractionResponse = { type: number; data?: Record<string, unknown> };
export type Respond = (body: InteractionResponse) => Promise<void>;

const DISCORD = 'discord';

const user = z.looseObject({ id: z.string().min(1) });
const textInput = z.looseObject({ custom_id: z.string(), value: z.string().default('') });
/** Modal rows: legacy action rows of text inputs, or label components wrapping one. */
const modalComponent = z.looseObject({
  components: z.array(z.looseObject({ custom_id: z.string().optional(), value: z.string().optional() })).optional(),
  component: textInput.optional(),
});

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
      options: z.array(z.looseObject({ name: z.string(), type: z.number(), value: z.unknown().optional(), options: z.array(z.looseObject({ name: z.string(), value: z.unknown().optional() })).optional() })).optional(),
      components: z.array(modalComponent).optional(),
    })
    .optional(),
});
export type RawInteraction = z.infer<typeof interactionSchema>;

export interface InteractionOptions {
  deps: UseCaseDeps;
  rest: REST;
  applicationId: string;
  dedup: InboundDedup;
  logger: Logger;
}

const EPHEMERAL = MessageFlags.Ephemeral;

function modalValues(i: RawInteraction): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of i.data?.components ?? []) {
    // Typed text is cleaned (src/core/text.ts): no control characters; invisible-only is empty.
    for (const c of row.components ?? []) if (c.custom_id) out[c.custom_id] = cleanText(c.value ?? '');
    if (row.component) out[row.component.custom_id] = cleanText(row.component.value);
  }
  return out;
}

const input = (id: string, label: string, style: TextInputStyle, required: boolean, max = 1000, placeholder?: string) => ({
  type: ComponentType.ActionRow,
  components: [
    {
      type: ComponentType.TextInput,
      custom_id: id,
      label: truncate(label, 45).text,
      style,
      required,
      max_length: max,
      ...(placeholder ? { placeholder: truncate(placeholder, 100).text } : {}),
    },
  ],
});

export function createInteractionHandler(o: InteractionOptions) {
  const { deps } = o;
  const directory = deps.directory;
  const languageOf = (s: StaffMember | undefined, locale?: string) => s?.language ?? (locale?.startsWith('zh') ? 'zh-CN' : directory.config.defaultLanguage);
  const view = (s: StaffMember | undefined): ViewContext => ({ directory, now: deps.now(), language: languageOf(s) });
  const ephemeral = (content: string, extra: Record<string, unknown> = {}): InteractionResponse => ({
    type: InteractionResponseType.ChannelMessageWithSource,
    data: { content: clip(content, 2000), flags: EPHEMERAL, allowed_mentions: NO_MENTIONS, ...extra },
  });

  async function followUp(i: RawInteraction, content: string): Promise<void> {
    await o.rest.post(Routes.webhook(o.applicationId, i.token), {
      body: { content: clip(content, 2000), flags: EPHEMERAL, allowed_mentions: NO_MENTIONS },
      auth: false,
    });
  }

  async function editOriginal(i: RawInteraction, body: Record<string, unknown>): Promise<void> {
    await o.rest.patch(Routes.webhookMessage(o.applicationId, i.token, '@original'), { body: { allowed_mentions: NO_MENTIONS, ...body }, auth: false });
  }

  function explain(err: unknown, s: StaffMember | undefined, number: string): string {
    const ref = randomUUID().slice(0, 8);
    if (!(err instanceof AftercareError)) o.logger.error({ err: safeError(err), ref }, 'discord: interaction failed');
    return explainError(err, number, view(s), ref);
  }

  /**
   * Runs a use case after a deferred answer. `work` returns what to say, undefined for "done",
   * or null when it answered itself; `edit` puts the answer in the deferred message, else
   * only failures are told, as an ephemeral follow-up.
   */
  async function after(i: RawInteraction, s: StaffMember, number: string, work: () => Promise<string | undefined | null>, edit: boolean): Promise<void> {
    try {
      const done = await work();
      if (edit && done !== null) await editOriginal(i, { content: clip(done ?? translator(languageOf(s))('desk.reply.done', { number }), 2000), components: [], embeds: [] });
    } catch (err) {
      const text = explain(err, s, number);
      try {
        if (edit) await editOriginal(i, { content: clip(text, 2000), components: [], embeds: [] });
        else await followUp(i, text);
      } catch (e) {
        o.logger.warn({ err: safeError(e) }, 'discord: could not tell the member');
      }
    }
  }

  const load = (number: string) => ticketByNumber(deps, number);

  const act = (s: StaffMember, detail: TicketDetail, command: TicketCommand) => actOnTicket(deps, { id: detail.ticket.id }, { actorId: s.id, source: 'discord' }, command);

  function modal(id: string, title: string, rows: ReturnType<typeof input>[]): InteractionResponse {
    return { type: InteractionResponseType.Modal, data: { custom_id: id, title: truncate(title, 45).text, components: rows.slice(0, 5) } };
  }

  function select(id: string, placeholder: string, options: { label: string; value: string }[]) {
    return {
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.StringSelect,
          custom_id: id,
          placeholder: truncate(placeholder, 150).text,
          options: options.slice(0, 25).map((x) => ({ label: truncate(x.label, 100).text, value: x.value })),
        },
      ],
    };
  }

  // ------------------------------------------------------------------ buttons on cards

  const MODAL_BUTTONS: Partial<Record<string, TicketCommandType>> = {
    reply: 'reply',
    progress: 'progress',
    involve: 'involve',
    resolve: 'resolve',
    reassign: 'reassign',
    delay: 'delay',
    reclassify: 'reclassify',
  };

  async function button(i: RawInteraction, s: StaffMember, action: string, number: string, sub: string | undefined, respond: Respond): Promise<void> {
    const t = translator(languageOf(s));
    const m = (k: string) => t(`desk.modal.${k}`);
    const detail = await load(number);
    if (!detail) return respond(ephemeral(t('desk.reply.notFound', { number })));
    const DIRECT: Partial<Record<string, TicketCommandType>> = { claim: 'claim', escalate: 'escalate', close: 'close', acknowledge: 'acknowledge', taskClaim: 'task', taskDone: 'task' };
    const needs = MODAL_BUTTONS[action] ?? DIRECT[action] ?? (action === 'reveal' || action === 'viewFull' ? 'reveal' : undefined);
    if (needs) {
      try {
        authorize(deps, detail, s.id, needs);
      } catch (err) {
        return respond(ephemeral(explain(err, s, number)));
      }
    }
    switch (action) {
      case 'claim':
      case 'escalate':
      case 'close':
      case 'acknowledge':
      case 'taskClaim':
      case 'taskDone': {
        await respond({ type: InteractionResponseType.DeferredMessageUpdate });
        const command: TicketCommand =
          action === 'claim'
            ? { type: 'claim' }
            : action === 'escalate'
              ? { type: 'escalate' }
              : action === 'close'
                ? { type: 'close' }
              : action === 'acknowledge'
                ? { type: 'acknowledge', escalationId: sub }
                : { type: 'task', taskId: sub ?? '', op: action === 'taskClaim' ? 'claim' : 'done' };
        return after(i, s, number, async () => {
          await act(s, detail, command);
          return undefined;
        }, false);
      }
      case 'reveal': {
        await respond({ type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: EPHEMERAL } });
        return after(i, s, number, () => revealContactText(deps, s, detail.ticket.id, 'discord'), true);
      }
      case 'viewFull':
        return respond(ephemeral('', { content: undefined, embeds: [{ title: clip(`${number} — ${m('fullTitle')}`, 256), description: clip(detail.ticket.description, 4000) }] }));
      case 'reply':
        return respond(modal(customId('m', `reply:${number}`), m('replyTitle'), [input('text', m('replyText'), TextInputStyle.Paragraph, true, 3000)]));
      case 'resolve':
        return respond(
          modal(customId('m', `resolve:${number}`), m('resolveTitle'), [
            input('measures', m('measures'), TextInputStyle.Paragraph, true, 3000),
            input('advice', m('advice'), TextInputStyle.Paragraph, true, 3000),
            input('cause', m('cause'), TextInputStyle.Paragraph, false, 1000),
            input('time_needed', m('timeNeeded'), TextInputStyle.Short, false, 200),
            input('estimated_cost', m('estimatedCost'), TextInputStyle.Short, false, 200),
          ]),
        );
      case 'delay':
        return respond(
          modal(customId('m', `delay:${number}`), m('delayTitle'), [
            input('reason', m('delayReason'), TextInputStyle.Paragraph, true, 2000),
            input('eta', m('etaRequired'), TextInputStyle.Short, true, 40, t('desk.modal.etaHint', { zone: ticketTimeZone(detail, directory) })),
          ]),
        );
      case 'progress': {
        const presets = directory.config.progressPresets;
        if (!presets.length) return respond(progressModal(s, detail, '-'));
        const zh = languageOf(s) === 'zh-CN';
        return respond(
          ephemeral(`${number}: ${m('preset')}`, {
            components: [select(customId('pp', number), m('preset'), [...presets.map((p) => ({ label: zh ? p.label['zh-CN'] : p.label.en, value: p.id })), { label: m('progressText'), value: '-' }])],
          }),
        );
      }
      case 'involve':
        return respond(
          ephemeral(`${number}: ${m('involveTitle')}`, {
            components: [select(customId('idept', number), m('department'), directory.departments().map((d) => ({ label: departmentName(directory, d.id, languageOf(s)), value: d.id })))],
          }),
        );
      case 'reassign': {
        const depts = new Set([...detail.departments.map((d) => d.departmentId), ...detail.tasks.map((x) => x.departmentId)]);
        const people = directory
          .allStaff()
          .filter((x) => depts.has(x.departmentId) && x.id !== detail.ticket.ownerId)
          .map((x) => ({ label: `${x.name} (${departmentName(directory, x.departmentId, languageOf(s))})`, value: x.id }));
        if (!people.length) return respond(ephemeral(m('nobody')));
        return respond(ephemeral(`${number}: ${m('reassignTitle')}`, { components: [select(customId('rto', number), m('assignee'), people)] }));
      }
      case 'reclassify':
        return respond(
          ephemeral(`${number}: ${m('reclassifyTitle')}`, {
            components: [
              select(customId('rcat', number), t('desk.card.category'), CATEGORIES.map((c) => ({ label: t(`desk.category.${c}`), value: c }))),
              select(customId('rsev', number), t('desk.card.severity'), SEVERITIES.map((x) => ({ label: t(`desk.severity.${x}`), value: x }))),
            ],
          }),
        );
      default:
        return respond(ephemeral(t('common.invalidButton')));
    }
  }

  function progressModal(s: StaffMember, detail: TicketDetail, preset: string): InteractionResponse {
    const t = translator(languageOf(s));
    const m = (k: string) => t(`desk.modal.${k}`);
    return modal(customId('m', `progress:${detail.ticket.number}:${preset}`), m('progressTitle'), [
      input('text', m('progressText'), TextInputStyle.Paragraph, preset === '-', 3000),
      input('eta', m('eta'), TextInputStyle.Short, false, 40, t('desk.modal.etaHint', { zone: ticketTimeZone(detail, directory) })),
    ]);
  }

  // ------------------------------------------------------------------ select menus

  async function chosen(i: RawInteraction, s: StaffMember, kind: string, args: string[], value: string, respond: Respond): Promise<void> {
    const t = translator(languageOf(s));
    const m = (k: string) => t(`desk.modal.${k}`);
    const number = args[0] ?? '';
    const detail = await load(number);
    if (!detail) return respond(ephemeral(t('desk.reply.notFound', { number })));
    switch (kind) {
      case 'pp':
        return respond(progressModal(s, detail, value));
      case 'idept': {
        if (!directory.department(value)) return respond(ephemeral(t('desk.reply.invalid', { details: `department: ${value}` })));
        return respond({
          type: InteractionResponseType.UpdateMessage,
          data: {
            content: clip(`${number}: ${departmentName(directory, value, languageOf(s))} — ${m('role')}`, 2000),
            components: [select(customId('irole', `${number}:${value}`), m('role'), COORDINATION_ROLES.map((r) => ({ label: t(`desk.role.${r}`), value: r })))],
            allowed_mentions: NO_MENTIONS,
          },
        });
      }
      case 'irole':
        return respond(modal(customId('m', `involve:${number}:${args[1] ?? ''}:${value}`), m('involveTitle'), [input('note', m('note'), TextInputStyle.Paragraph, false, 2000)]));
      case 'rto':
      case 'rcat':
      case 'rsev': {
        await respond({ type: InteractionResponseType.DeferredMessageUpdate });
        const command: TicketCommand =
          kind === 'rto'
            ? { type: 'reassign', to: value }
            : kind === 'rcat'
              ? { type: 'reclassify', category: z.enum(CATEGORIES).parse(value) }
              : { type: 'reclassify', severity: z.enum(SEVERITIES).parse(value) };
        return after(i, s, number, async () => {
          await act(s, detail, command);
          return undefined;
        }, true);
      }
      default:
        return respond(ephemeral(t('common.invalidButton')));
    }
  }

  // ------------------------------------------------------------------ modal submissions

  function need(values: Record<string, string>, key: string, label: string, t: (k: string) => string): string {
    const v = values[key];
    if (!v) throw new ValidationError(`${label} ${t('desk.reply.required')}`, [{ path: key, message: t('desk.reply.required') }]);
    return v;
  }

  /** A typed date-time; one without a zone is the ticket department's wall-clock time, as the hint says. */
  function when(value: string | undefined, key: string, t: (k: string) => string, timeZone: string): Date | undefined {
    if (!value) return undefined;
    const d = parseWhen(value, timeZone);
    if (!d) throw new ValidationError(`${key} ${t('desk.reply.badDate')}`, [{ path: key, message: t('desk.reply.badDate') }]);
    return d;
  }

  async function submitted(i: RawInteraction, s: StaffMember, kind: string, args: string[], respond: Respond): Promise<void> {
    const t = translator(languageOf(s));
    const values = modalValues(i);
    const number = args[0] ?? '';
    await respond({ type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: EPHEMERAL } });
    return after(i, s, number, async () => {
      if (kind === 'new') {
        const contact = values.contact ?? '';
        const email = contact.includes('@') ? contact : undefined;
        const created = await createTicket(deps, {
          customer: { name: need(values, 'name', t('desk.modal.customerName'), t), phone: email ? undefined : contact || undefined, email },
          product: need(values, 'product', t('desk.modal.product'), t),
          orderNumber: values.order ?? '',
          description: need(values, 'description', t('desk.modal.description'), t),
          source: 'discord',
          actor: { kind: 'staff', staffId: s.id },
        });
        return t('desk.reply.created', { number: created.state.ticket.number });
      }
      const detail = await load(number);
      if (!detail) return t('desk.reply.notFound', { number });
      let command: TicketCommand;
      switch (kind) {
        case 'reply':
          command = { type: 'reply', text: need(values, 'text', t('desk.modal.replyText'), t) };
          break;
        case 'progress': {
          const preset = args[1] && args[1] !== '-' ? args[1] : undefined;
          command = { type: 'progress', preset, text: values.text || undefined, eta: when(values.eta, 'eta', t, ticketTimeZone(detail, directory)) };
          break;
        }
        case 'involve':
          command = { type: 'involve', department: args[1] ?? '', role: z.enum(COORDINATION_ROLES).catch('other').parse(args[2]), note: values.note || undefined };
          break;
        case 'resolve': {
          const measures = need(values, 'measures', t('desk.modal.measures'), t);
          const { cause, time_needed: timeNeeded, estimated_cost: estimatedCost } = values;
          command = {
            type: 'resolve',
            measures,
            advice: need(values, 'advice', t('desk.modal.advice'), t),
            diagnosis: cause || timeNeeded || estimatedCost ? { cause: cause ?? '', measures, timeNeeded: timeNeeded ?? '', estimatedCost: estimatedCost ?? '' } : undefined,
          };
          break;
        }
        case 'delay':
          command = { type: 'delay', reason: need(values, 'reason', t('desk.modal.delayReason'), t), eta: when(need(values, 'eta', t('desk.modal.etaRequired'), t), 'eta', t, ticketTimeZone(detail, directory))! };
          break;
        default:
          return t('common.invalidButton');
      }
      await act(s, detail, command);
      return undefined;
    }, true);
  }

  // ------------------------------------------------------------------ /aftercare

  async function command(i: RawInteraction, s: StaffMember, respond: Respond): Promise<void> {
    const language = languageOf(s);
    const t = translator(language);
    const sub = i.data?.options?.[0];
    const name = sub?.name ?? 'help';
    if (name === 'new') {
      const m = (k: string) => t(`desk.modal.${k}`);
      return respond(
        modal(customId('m', 'new'), m('newTitle'), [
          input('name', m('customerName'), TextInputStyle.Short, true, 200),
          input('contact', `${m('phone')} / ${m('email')}`, TextInputStyle.Short, false, 200),
          input('product', m('product'), TextInputStyle.Short, true, 200),
          input('order', m('order'), TextInputStyle.Short, false, 100),
          input('description', m('description'), TextInputStyle.Paragraph, true, 3000),
        ]),
      );
    }
    if (name !== 'find' && name !== 'mine' && name !== 'queue') {
      // Our own text: Slack-style *bold* becomes Discord's **bold**; nothing in it comes from a person.
      const help = t('desk.command.help').replace(/\*([^*\n]+)\*/g, '**$1**');
      return respond({ type: InteractionResponseType.ChannelMessageWithSource, data: { content: help, flags: EPHEMERAL, allowed_mentions: NO_MENTIONS } });
    }
    await respond({ type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: EPHEMERAL } });
    const option = (key: string) => {
      const v = sub?.options?.find((x) => x.name === key)?.value;
      return typeof v === 'string' ? cleanText(v) : undefined;
    };
    return after(i, s, option('number') ?? '', async () => {
      switch (name) {
        case 'find': {
          const number = (option('number') ?? '').trim().toUpperCase();
          if (!TICKET_NUMBER.test(number)) return t('desk.command.findUsage').replace('/aftercare find', '/aftercare find number:');
          const card = await findCard(deps, s, number);
          if (!card) return t('desk.reply.notFound', { number });
          await editOriginal(i, { content: '', ...cardMessage(card) });
          return null;
        }
        case 'mine':
        case 'queue': {
          const list = await ticketList(deps, s, name, 20);
          return [list.title, ...(list.lines.length ? list.lines : [t('desk.command.empty')])].join('\n');
        }
        default:
          return null;
      }
    }, true);
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
    const staff = directory.staffByPlatform('discord', userId);
    const t = translator(languageOf(staff, i.locale));
    if (!staff) return respond(ephemeral(t('desk.reply.unknownStaff')));
    const id = i.data?.custom_id ?? '';
    const [prefix, kind = '', ...args] = id.split(':');
    try {
      if (type === InteractionType.ApplicationCommand) return await command(i, staff, respond);
      if (prefix !== 'ac') return await respond(ephemeral(t('common.invalidButton')));
      if (type === InteractionType.MessageComponent) {
        if ((i.data?.component_type as ComponentType | undefined) === ComponentType.StringSelect) return await chosen(i, staff, kind, args, i.data?.values?.[0] ?? '', respond);
        return await button(i, staff, kind, args[0] ?? '', args[1], respond);
      }
      if (type === InteractionType.ModalSubmit && kind === 'm') return await submitted(i, staff, args[0] ?? '', args.slice(1), respond);
      await respond(ephemeral(t('common.invalidButton')));
    } catch (err) {
      o.logger.error({ err: safeError(err), interaction: i.id }, 'discord: interaction failed');
    }
  };
}
