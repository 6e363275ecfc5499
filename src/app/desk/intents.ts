import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Logger } from 'pino';
import { AftercareError } from '../../core/errors.js';
import { safeError } from '../../core/safe-error.js';
import { cleanText } from '../../core/text.js';
import type { StaffMember } from '../../core/types.js';
import { translator } from '../../i18n/index.js';
import { actOnTicket, authorize, type TicketCommand, type TicketCommandType } from '../act-on-ticket.js';
import { createTicket } from '../create-ticket.js';
import type { UseCaseDeps } from '../deps.js';
import { reportSummary, type ReportSource } from '../reports.js';
import { statsLines } from '../stats-lines.js';
import type { TicketDetail } from '../ports.js';
import type { CardActionId, TicketCard } from './card.js';
import { explainError } from './explain-error.js';
import { buildForm, isFormKind, parseForm, type Form, type FormContext, type FormKind, type FormValues } from './forms.js';
import { findCard, revealContactText, ticketByNumber, ticketList, TICKET_NUMBER } from './queries.js';
import { departmentName, staffLanguage, ticketTimeZone } from './view-context.js';

/**
 * What staff can do from a chat platform, once for Slack and Discord: a button press, a form
 * submission or an `/aftercare` command becomes an {@link Answer}. The desk finds the staff
 * member, checks they may act before a form opens or a command runs (the use case checks again
 * under the ticket's lock), runs the use case, and words every outcome and error in the staff
 * member's language. Adapters only verify and acknowledge the request, extract its values and
 * draw the answer.
 */

/** The staff platforms; recorded as the source of every change made from them. */
export type DeskPlatform = 'slack' | 'discord';

export type Answer =
  /** Open this form. */
  | { kind: 'form'; form: Form }
  /** Say this to the staff member only. Plain text: it may hold what a customer wrote. */
  | { kind: 'say'; text: string }
  /** Our own help text, with *bold* and `code` marks for the platform to draw. */
  | { kind: 'help'; text: string }
  /** Show this card to the staff member only. */
  | { kind: 'card'; card: TicketCard }
  /** Show a long text (a whole description) to the staff member only. */
  | { kind: 'document'; title: string; text: string }
  /** The submitted form has problems: one message per field id, and all of them as one text. */
  | { kind: 'invalid'; errors: Record<string, string>; text: string }
  /**
   * Work to do after the request is acknowledged. `visible`: the staff member expects an answer
   * (a command, a form); otherwise the card updating is the answer and only a failure is told.
   * `run` never throws: a failure comes back as a `say`. Undefined means done, nothing to add.
   */
  | { kind: 'work'; visible: boolean; run: () => Promise<Answer | undefined> };

/** Buttons that act at once, and the command each runs (`sub` is the task or escalation id). */
const DIRECT: Partial<Record<CardActionId, (sub: string | undefined) => TicketCommand>> = {
  claim: () => ({ type: 'claim' }),
  escalate: () => ({ type: 'escalate' }),
  close: () => ({ type: 'close' }),
  acknowledge: (sub) => ({ type: 'acknowledge', escalationId: sub }),
  taskClaim: (sub) => ({ type: 'task', taskId: sub ?? '', op: 'claim' }),
  taskDone: (sub) => ({ type: 'task', taskId: sub ?? '', op: 'done' }),
};

/** Which permission a button needs before anything happens (the use case checks again). */
const NEEDS: Record<CardActionId, TicketCommandType | 'reveal'> = {
  claim: 'claim',
  reply: 'reply',
  progress: 'progress',
  involve: 'involve',
  escalate: 'escalate',
  resolve: 'resolve',
  reassign: 'reassign',
  reveal: 'reveal',
  reclassify: 'reclassify',
  delay: 'delay',
  close: 'close',
  viewFull: 'reveal',
  acknowledge: 'acknowledge',
  taskClaim: 'task',
  taskDone: 'task',
};

const isCardAction = (s: string): s is CardActionId => Object.hasOwn(NEEDS, s);

/** `/aftercare` subcommands; the adapters offer these (Discord registers them, Slack's help lists them). */
export const DESK_COMMANDS = ['new', 'find', 'mine', 'queue', 'stats', 'help'] as const;
export type DeskCommand = (typeof DESK_COMMANDS)[number];

/** `/aftercare stats` periods: today in the reader's zone, the last 7 or 30 days. */
const STATS_PERIODS = { today: 0, week: 7, month: 30 } as const;
type StatsPeriod = keyof typeof STATS_PERIODS;
const isStatsPeriod = (s: string): s is StatsPeriod => Object.hasOwn(STATS_PERIODS, s);

export class Desk {
  constructor(
    private readonly deps: UseCaseDeps,
    private readonly platform: DeskPlatform,
    private readonly logger: Logger,
    /** The report aggregates behind `/aftercare stats`; without them the command says reports are off. */
    private readonly reports?: ReportSource,
  ) {}

  /** The staff member behind a platform user id, if configured. */
  staff(userId: string): StaffMember | undefined {
    return this.deps.directory.staffByPlatform(this.platform, userId);
  }

  language(staff: StaffMember | undefined, clientLocale?: string): string {
    return staffLanguage(this.deps.directory, staff, clientLocale);
  }

  /** A button on a card, a task card, an escalation post or a notice; `value` is the button's value (`AC-000123[:id]`). */
  async press(userId: string, action: string, value: string, clientLocale?: string): Promise<Answer> {
    const staff = this.staff(userId);
    const language = this.language(staff, clientLocale);
    const t = translator(language);
    if (!staff) return say(t('desk.reply.unknownStaff'));
    if (!isCardAction(action)) return say(t('common.invalidButton'));
    const [number = '', sub] = value.split(':');
    return this.guard(staff, number, language, async () => {
      const detail = await ticketByNumber(this.deps, number);
      if (!detail) return say(t('desk.reply.notFound', { number }));
      authorize(this.deps, detail, staff.id, NEEDS[action]);
      const direct = DIRECT[action];
      if (direct) return this.work(staff, number, language, false, () => this.act(staff, detail, direct(sub)));
      switch (action) {
        case 'reveal':
          return this.work(staff, number, language, true, async () => say(await revealContactText(this.deps, staff, detail.ticket.id, this.platform)));
        case 'viewFull':
          return { kind: 'document', title: `${detail.ticket.number} — ${t('desk.modal.fullTitle')}`, text: detail.ticket.description };
        default: {
          if (!isFormKind(action)) return say(t('common.invalidButton'));
          const form = buildForm(action, this.formContext(staff, language, detail), detail);
          // Nothing to choose from: say so instead of opening a form that cannot be sent.
          if (form.fields.some((f) => f.kind === 'select' && f.required && !f.options?.length)) return say(t('desk.modal.nobody'));
          return { kind: 'form', form };
        }
      }
    });
  }

  /** A form sent back: checked at once (so a platform can show per-field errors), then run as work. */
  async submit(userId: string, kind: string, number: string | undefined, values: FormValues, clientLocale?: string): Promise<Answer> {
    const staff = this.staff(userId);
    const language = this.language(staff, clientLocale);
    const t = translator(language);
    if (!staff) return say(t('desk.reply.unknownStaff'));
    if (!isFormKind(kind)) return say(t('common.invalidButton'));
    const n = number ?? '';
    return this.guard(staff, n, language, async () => {
      const detail = kind === 'new' ? undefined : await ticketByNumber(this.deps, n);
      if (kind !== 'new' && !detail) return say(t('desk.reply.notFound', { number: n }));
      const ctx = this.formContext(staff, language, detail);
      const form = buildForm(kind, ctx, detail);
      const parsed = parseForm(form, values, ctx);
      if (!parsed.ok) {
        const label = (id: string) => form.fields.find((f) => f.id === id)?.label ?? id;
        const details = Object.entries(parsed.errors).map(([id, message]) => `${label(id)}: ${message}`).join('; ');
        return { kind: 'invalid', errors: parsed.errors, text: t('desk.reply.fields', { details }) };
      }
      if ('create' in parsed) {
        const { name, phone, email, ...ticket } = parsed.create;
        return this.work(staff, n, language, true, async () => {
          const created = await createTicket(this.deps, {
            customer: { name, phone, email },
            ...ticket,
            orderNumber: ticket.orderNumber ?? '',
            source: this.platform,
            actor: { kind: 'staff', staffId: staff.id },
          });
          return say(t('desk.reply.created', { number: created.state.ticket.number }));
        });
      }
      return this.work(staff, n, language, true, () => this.act(staff, detail!, parsed.command));
    });
  }

  /** `/aftercare <text>`: `new`, `find AC-000123`, `mine`, `queue`, `help`. */
  async command(userId: string, text: string, clientLocale?: string): Promise<Answer> {
    const staff = this.staff(userId);
    const language = this.language(staff, clientLocale);
    const t = translator(language);
    if (!staff) return say(t('desk.reply.unknownStaff'));
    const [sub = 'help', ...args] = cleanText(text).split(/\s+/).filter(Boolean);
    const name = sub.toLowerCase();
    return this.guard(staff, args[0] ?? '', language, (): Answer => {
      switch (name) {
        case 'new':
          return { kind: 'form', form: buildForm('new', this.formContext(staff, language)) };
        case 'find': {
          const number = (args[0] ?? '').toUpperCase();
          if (!TICKET_NUMBER.test(number)) return say(t('desk.command.findUsage'));
          return this.work(staff, number, language, true, async () => {
            const card = await findCard(this.deps, staff, number);
            return card ? { kind: 'card', card } : say(t('desk.reply.notFound', { number }));
          });
        }
        case 'mine':
        case 'queue':
          return this.work(staff, '', language, true, async () => {
            const list = await ticketList(this.deps, staff, name, 20);
            return say([list.title, ...(list.lines.length ? list.lines : [t('desk.command.empty')])].join('\n'));
          });
        case 'stats':
          return this.stats(staff, language, args);
        case 'help':
          return { kind: 'help', text: t('desk.command.help') };
        default:
          // Plain: the unknown word is what the staff member typed.
          return say(`${t('desk.command.unknown', { text: sub })}\n${t('desk.command.help')}`);
      }
    });
  }

  /**
   * `/aftercare stats [today|week|month] [department]`: the headline figures and the clock missed
   * most (SPEC §8), the same numbers as the API and the dashboard. Agents see their own
   * department; supervisors any department, or all of them when none is named.
   */
  private stats(staff: StaffMember, language: string, args: string[]): Answer {
    const t = translator(language);
    const reports = this.reports;
    if (!reports) return say(t('stats.unavailable'));
    const [first, ...rest] = args;
    const period = first && isStatsPeriod(first.toLowerCase()) ? (first.toLowerCase() as StatsPeriod) : 'week';
    const named = (first && isStatsPeriod(first.toLowerCase()) ? rest : args).join(' ').trim();
    const directory = this.deps.directory;
    const department = named
      ? directory.departments().find((d) => d.id.toLowerCase() === named.toLowerCase() || Object.values(d.name).some((n) => n.toLowerCase() === named.toLowerCase()))
      : undefined;
    if (named && !department) return say(`${t('stats.unknownDepartment', { department: named })}\n${t('stats.usage')}`);
    const scope = department?.id ?? (staff.role === 'supervisor' ? undefined : staff.departmentId);
    if (scope && scope !== staff.departmentId && staff.role !== 'supervisor') return say(t('stats.ownDepartmentOnly'));
    const tz = directory.timeZoneOf(scope ?? staff.departmentId);
    return this.work(staff, '', language, true, async () => {
      const now = this.deps.now();
      const days = STATS_PERIODS[period];
      const from = days ? new Date(now.getTime() - days * 86_400_000) : DateTime.fromJSDate(now, { zone: tz }).startOf('day').toJSDate();
      const summary = await reportSummary({ reports, now: this.deps.now }, { from, to: now, tz, department: scope });
      const name = scope ? departmentName(directory, scope, language) : t('stats.allDepartments');
      return say(statsLines(summary, language, tz, name).join('\n'));
    });
  }

  /** Typed times are read in the ticket's department's zone (the staff member's own for a new ticket). */
  private formContext(staff: StaffMember, language: string, detail?: TicketDetail): FormContext {
    const timeZone = detail ? ticketTimeZone(detail, this.deps.directory) : this.deps.directory.timeZoneOf(staff.departmentId);
    return { directory: this.deps.directory, language, timeZone };
  }

  private async act(staff: StaffMember, detail: TicketDetail, command: TicketCommand): Promise<undefined> {
    await actOnTicket(this.deps, { id: detail.ticket.id }, { actorId: staff.id, source: this.platform }, command);
    return undefined;
  }

  private work(staff: StaffMember, number: string, language: string, visible: boolean, run: () => Promise<Answer | undefined>): Answer {
    return { kind: 'work', visible, run: () => this.guard(staff, number, language, run) };
  }

  /** Runs `fn`; an error becomes what to tell the staff member (unexpected ones are logged with a reference). */
  private async guard<T extends Answer | undefined>(staff: StaffMember, number: string, language: string, fn: () => T | Promise<T>): Promise<T | Answer> {
    try {
      return await fn();
    } catch (err) {
      const ref = randomUUID().slice(0, 8);
      if (!(err instanceof AftercareError)) this.logger.error({ err: safeError(err), ref, staff: staff.id, platform: this.platform }, 'staff action failed');
      return say(explainError(err, number, { directory: this.deps.directory, now: this.deps.now(), language }, ref));
    }
  }
}

function say(text: string): Answer {
  return { kind: 'say', text };
}

export type { FormKind };
