import { z } from 'zod';
import { COORDINATION_ROLES, type TicketCommand } from '../../src/app/act-on-ticket.js';
import type { CreateTicketInput } from '../../src/app/create-ticket.js';
import type { TicketState } from '../../src/app/ports.js';
import { departmentName, parseWhen } from '../../src/app/desk/view-context.js';
import type { Directory } from '../../src/core/directory.js';
import { CATEGORIES, SEVERITIES } from '../../src/core/types.js';
import { translator } from '../../src/i18n/index.js';
import { longTextBlocks, plain, type Block } from './blocks.js';
import { cleanText } from '../../src/core/text.js';

/**
 * The Slack modals staff fill in (SPEC §6) and the parsing of their submissions. Every
 * input's block_id names its field and its element's action_id is `value`; a submission is
 * validated with zod and answered with per-field errors in the staff member's language.
 */

export const MODAL_PREFIX = 'ac:';
export const VALUE = 'value';

export type ModalKind = 'reply' | 'progress' | 'involve' | 'resolve' | 'reassign' | 'delay' | 'reclassify' | 'new';

export interface ModalMeta {
  /** Ticket number (absent for `new`). */
  n?: string | undefined;
  /** Channel to answer in. */
  c?: string | undefined;
}

export interface View {
  type: 'modal';
  callback_id: string;
  private_metadata: string;
  title: { type: 'plain_text'; text: string };
  submit?: { type: 'plain_text'; text: string };
  close: { type: 'plain_text'; text: string };
  blocks: Block[];
}

type Option = { text: ReturnType<typeof plain>; value: string };
const option = (label: string, value: string): Option => ({ text: plain(label, 75), value });

function input(blockId: string, label: string, element: Block, optional = false, hint?: string): Block {
  return {
    type: 'input',
    block_id: blockId,
    label: plain(label, 2000),
    element: { ...element, action_id: VALUE },
    optional,
    ...(hint && { hint: plain(hint, 2000) }),
  };
}

const text = (multiline: boolean, max = 3000, initial?: string): Block => ({
  type: 'plain_text_input',
  multiline,
  max_length: max,
  ...(initial && { initial_value: initial }),
});

const select = (options: Option[], initial?: string): Block => ({
  type: 'static_select',
  options: options.slice(0, 100),
  ...(initial && options.some((o) => o.value === initial) && { initial_option: options.find((o) => o.value === initial) }),
});

const checkbox = (label: string): Block => ({ type: 'checkboxes', options: [option(label, 'yes')] });

function modal(kind: ModalKind | 'full', title: string, submit: string | undefined, cancel: string, meta: ModalMeta, blocks: Block[]): View {
  return {
    type: 'modal',
    callback_id: `${MODAL_PREFIX}${kind}`,
    private_metadata: JSON.stringify(meta),
    title: plain(title, 24),
    ...(submit && { submit: plain(submit, 24) }),
    close: plain(cancel, 24),
    blocks: meta.n && kind !== 'full' ? [{ type: 'context', elements: [plain(meta.n, 200)] }, ...blocks] : blocks,
  };
}

export interface ModalContext {
  directory: Directory;
  language: string;
}

/** The form for one card button (or `/aftercare new`). */
export function buildModal(kind: ModalKind, ctx: ModalContext, meta: ModalMeta, state?: TicketState): View {
  const t = translator(ctx.language);
  const m = (k: string) => t(`desk.modal.${k}`);
  const zh = ctx.language === 'zh-CN';
  const title = (k: string) => m(k);
  switch (kind) {
    case 'reply':
      return modal(kind, title('replyTitle'), m('submit'), m('cancel'), meta, [
        input('text', m('replyText'), text(true, 3000)),
        input('wait', ' ', checkbox(m('waitForCustomer')), true),
      ]);
    case 'progress': {
      const presets = ctx.directory.config.progressPresets.map((p) => option(zh ? p.label['zh-CN'] : p.label.en, p.id));
      return modal(kind, title('progressTitle'), m('submit'), m('cancel'), meta, [
        ...(presets.length ? [input('preset', m('preset'), select(presets), true)] : []),
        input('text', m('progressText'), text(true, 3000), true),
        input('eta', m('eta'), { type: 'datetimepicker' }, true),
        input('complex', ' ', checkbox(m('complex')), true),
        input('wait', ' ', checkbox(m('waitForCustomer')), true),
      ]);
    }
    case 'involve': {
      const depts = ctx.directory.departments().map((d) => option(departmentName(ctx.directory, d.id, ctx.language), d.id));
      const roles = COORDINATION_ROLES.map((r) => option(t(`desk.role.${r}`), r));
      return modal(kind, title('involveTitle'), m('submit'), m('cancel'), meta, [
        input('department', m('department'), select(depts)),
        input('role', m('role'), select(roles)),
        input('note', m('note'), text(true, 2000), true),
      ]);
    }
    case 'resolve':
      return modal(kind, title('resolveTitle'), m('submit'), m('cancel'), meta, [
        input('measures', m('measures'), text(true, 3000)),
        input('advice', m('advice'), text(true, 3000)),
        input('cause', m('cause'), text(true, 2000), true),
        input('time_needed', m('timeNeeded'), text(false, 200), true),
        input('estimated_cost', m('estimatedCost'), text(false, 200), true),
      ]);
    case 'reassign': {
      const depts = new Set([...(state?.departments.map((d) => d.departmentId) ?? []), ...(state?.tasks.map((x) => x.departmentId) ?? [])]);
      const people = ctx.directory
        .allStaff()
        .filter((s) => depts.has(s.departmentId) && s.id !== state?.ticket.ownerId)
        .map((s) => option(`${s.name} (${departmentName(ctx.directory, s.departmentId, ctx.language)})`, s.id));
      if (!people.length) return modal(kind, title('reassignTitle'), undefined, m('cancel'), meta, [{ type: 'section', text: plain(m('nobody')) }]);
      return modal(kind, title('reassignTitle'), m('submit'), m('cancel'), meta, [
        input('assignee', m('assignee'), select(people)),
        input('reason', m('reason'), text(true, 2000), true),
      ]);
    }
    case 'delay':
      return modal(kind, title('delayTitle'), m('submit'), m('cancel'), meta, [
        input('reason', m('delayReason'), text(true, 2000)),
        input('eta', m('etaRequired'), { type: 'datetimepicker' }),
      ]);
    case 'reclassify': {
      const cats = CATEGORIES.map((c) => option(t(`desk.category.${c}`), c));
      const sevs = SEVERITIES.map((s) => option(t(`desk.severity.${s}`), s));
      return modal(kind, title('reclassifyTitle'), m('save'), m('cancel'), meta, [
        input('category', m('categoryOptional').split(/[（(]/)[0]!.trim(), select(cats, state?.ticket.category)),
        input('severity', m('severityOptional').split(/[（(]/)[0]!.trim(), select(sevs, state?.ticket.severity)),
      ]);
    }
    case 'new': {
      const cats = CATEGORIES.map((c) => option(t(`desk.category.${c}`), c));
      const sevs = SEVERITIES.map((s) => option(t(`desk.severity.${s}`), s));
      return modal(kind, m('newTitle'), m('submit'), m('cancel'), meta, [
        input('name', m('customerName'), text(false, 200)),
        input('phone', m('phone'), text(false, 50), true),
        input('email', m('email'), text(false, 200), true),
        input('product', m('product'), text(false, 200)),
        input('order', m('order'), text(false, 100), true),
        input('description', m('description'), text(true, 3000)),
        input('category', m('categoryOptional'), select(cats), true),
        input('severity', m('severityOptional'), select(sevs), true),
      ]);
    }
  }
}

/** A read-only modal with a ticket's whole description ("View full"). */
export function fullTextModal(number: string, description: string, language: string): View {
  const t = translator(language);
  return modal('full', `${number}`, undefined, t('desk.modal.cancel'), { n: number }, [
    { type: 'header', text: plain(t('desk.modal.fullTitle'), 150) },
    ...longTextBlocks(description),
  ]);
}

// ------------------------------------------------------------------ submissions

/** One element's state, as Slack sends it in `view.state.values[block][action]`. */
const elementState = z.looseObject({
  type: z.string().optional(),
  value: z.string().nullish(),
  selected_option: z.looseObject({ value: z.string() }).nullish(),
  selected_options: z.array(z.looseObject({ value: z.string() })).nullish(),
  selected_date_time: z.number().nullish(),
  selected_date: z.string().nullish(),
  selected_time: z.string().nullish(),
});

export const viewStateValues = z.record(z.string(), z.record(z.string(), elementState));
export type ViewStateValues = z.infer<typeof viewStateValues>;

/** Reads one field: text, selected option, date-time (ISO) or checkbox ("yes"), whatever the element. */
export function field(values: ViewStateValues, blockId: string): string | undefined {
  const block = values[blockId];
  if (!block) return undefined;
  const el = block[VALUE] ?? Object.values(block)[0];
  if (!el) return undefined;
  // Typed text is cleaned (src/core/text.ts): no control characters; invisible-only is empty.
  if (typeof el.value === 'string') return cleanText(el.value) || undefined;
  if (el.selected_option) return el.selected_option.value;
  if (el.selected_options) return el.selected_options.length ? el.selected_options.map((o) => o.value).join(',') : undefined;
  if (typeof el.selected_date_time === 'number') return new Date(el.selected_date_time * 1000).toISOString();
  if (el.selected_date) return `${el.selected_date}T${el.selected_time ?? '00:00'}:00Z`;
  return undefined;
}

export type Submission =
  | { ok: true; command: TicketCommand }
  | { ok: true; create: Omit<CreateTicketInput, 'source' | 'actor'> }
  | { ok: false; errors: Record<string, string> };

/** Turns a modal's values into a ticket command, or per-block errors for Slack to show. */
export function parseSubmission(kind: ModalKind, values: ViewStateValues, ctx: ModalContext): Submission {
  const t = translator(ctx.language);
  const errors: Record<string, string> = {};
  const get = (block: string) => field(values, block);
  const need = (block: string): string => {
    const v = get(block);
    if (!v) errors[block] = t('desk.reply.required');
    return v ?? '';
  };
  const when = (block: string, required: boolean): Date | undefined => {
    const v = required ? need(block) : get(block);
    if (!v) return undefined;
    const d = parseWhen(v);
    if (!d) errors[block] = t('desk.reply.badDate');
    return d;
  };
  const oneOf = <T extends string>(block: string, allowed: readonly T[], required: boolean): T | undefined => {
    const v = required ? need(block) : get(block);
    if (!v) return undefined;
    if (!(allowed as readonly string[]).includes(v)) {
      errors[block] = allowed.join(', ');
      return undefined;
    }
    return v as T;
  };
  const done = (command: TicketCommand): Submission => (Object.keys(errors).length ? { ok: false, errors } : { ok: true, command });
  switch (kind) {
    case 'reply': {
      const text = need('text');
      return done({ type: 'reply', text, waitForCustomer: get('wait') !== undefined });
    }
    case 'progress': {
      const preset = oneOf('preset', ctx.directory.config.progressPresets.map((p) => p.id), false);
      const text = get('text');
      const eta = when('eta', false);
      const complex = get('complex') !== undefined;
      if (!preset && !text && !complex && !errors.preset) errors.text = t('desk.reply.required');
      return done({ type: 'progress', preset, text, eta, complex: complex || undefined, waitForCustomer: get('wait') !== undefined });
    }
    case 'involve': {
      const department = oneOf('department', ctx.directory.departments().map((d) => d.id), true);
      const role = oneOf('role', COORDINATION_ROLES, true);
      return done({ type: 'involve', department: department ?? '', role: role ?? 'other', note: get('note') });
    }
    case 'resolve': {
      const measures = need('measures');
      const advice = need('advice');
      const cause = get('cause');
      const timeNeeded = get('time_needed');
      const estimatedCost = get('estimated_cost');
      const diagnosis = cause || timeNeeded || estimatedCost ? { cause: cause ?? '', measures, timeNeeded: timeNeeded ?? '', estimatedCost: estimatedCost ?? '' } : undefined;
      return done({ type: 'resolve', measures, advice, diagnosis });
    }
    case 'reassign': {
      const to = oneOf('assignee', ctx.directory.allStaff().map((s) => s.id), true);
      return done({ type: 'reassign', to: to ?? '', reason: get('reason') });
    }
    case 'delay': {
      const reason = need('reason');
      const eta = when('eta', true);
      return done({ type: 'delay', reason, eta: eta ?? new Date(0) });
    }
    case 'reclassify': {
      const category = oneOf('category', CATEGORIES, false);
      const severity = oneOf('severity', SEVERITIES, false);
      if (!category && !severity && !errors.category && !errors.severity) errors.category = t('desk.reply.required');
      return done({ type: 'reclassify', category, severity });
    }
    case 'new': {
      const name = need('name');
      const product = need('product');
      const description = need('description');
      const category = oneOf('category', CATEGORIES, false);
      const severity = oneOf('severity', SEVERITIES, false);
      const email = get('email');
      if (email && !z.email().safeParse(email).success) errors.email = 'name@example.com';
      if (Object.keys(errors).length) return { ok: false, errors };
      return {
        ok: true,
        create: {
          customer: { name, phone: get('phone'), email, language: undefined },
          product,
          orderNumber: get('order') ?? '',
          description,
          category,
          severity,
        },
      };
    }
  }
}
