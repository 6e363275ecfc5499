import type { z } from 'zod';
import type { Directory } from '../../core/directory.js';
import { CATEGORIES, SEVERITIES } from '../../core/types.js';
import { localized, translator } from '../../i18n/index.js';
import { reassignCandidates } from '../act-on-ticket.js';
import { COORDINATION_ROLES, LIMITS, staffTicketSchema, ticketCommand, type StaffTicketDraft, type TicketCommand } from '../command-schema.js';
import type { TicketState } from '../ports.js';
import { departmentName, parseWhen } from './view-context.js';

/**
 * Every form staff fill in on Slack or Discord, declared once: its fields, their limits and
 * options, in the reader's language. A platform only draws a {@link Form} (Block Kit modal,
 * Discord modal) and hands back what was typed as {@link FormValues}; {@link parseForm} turns
 * that into a command with the same zod rules the HTTP API and the use case apply.
 */

export const FORM_KINDS = ['reply', 'progress', 'involve', 'resolve', 'reassign', 'delay', 'reclassify', 'new'] as const;
export type FormKind = (typeof FORM_KINDS)[number];
export const isFormKind = (s: string): s is FormKind => (FORM_KINDS as readonly string[]).includes(s);

/**
 * `text` one line, `paragraph` several; `select` one of `options`; `check` a yes/no box (its value
 * is "yes" when ticked); `datetime` a moment (a picker's ISO value, or typed wall-clock time in the
 * form's time zone).
 */
export type FieldKind = 'text' | 'paragraph' | 'select' | 'check' | 'datetime';

export interface FormOption {
  value: string;
  label: string;
}

export interface FormField {
  id: string;
  kind: FieldKind;
  label: string;
  required: boolean;
  /** Longest text accepted (text and paragraph fields); a platform may allow less in one input. */
  maxLength?: number;
  options?: FormOption[];
  initial?: string;
  /** How to type the value, for platforms without a picker. */
  hint?: string;
}

export interface Form {
  kind: FormKind;
  /** The ticket the form acts on (absent for `new`). */
  number?: string;
  title: string;
  submit: string;
  cancel: string;
  fields: FormField[];
}

/** What a platform sends back: each field's text, chosen option value, "yes" for a ticked box, or a moment. */
export type FormValues = Readonly<Record<string, string | undefined>>;

export interface FormContext {
  directory: Directory;
  language: string;
  /** The zone typed date-times are read in: the ticket's department's. */
  timeZone: string;
}

export type ParsedForm =
  | { ok: true; command: TicketCommand }
  | { ok: true; create: StaffTicketDraft }
  | { ok: false; errors: Record<string, string> };

/** The form for one card button (or `/aftercare new`). */
export function buildForm(kind: FormKind, ctx: FormContext, state?: TicketState): Form {
  const t = translator(ctx.language);
  const m = (k: string) => t(`desk.modal.${k}`);
  const text = (id: string, label: string, required: boolean, maxLength: number): FormField => ({ id, kind: 'text', label, required, maxLength });
  const paragraph = (id: string, label: string, required: boolean, maxLength: number): FormField => ({ id, kind: 'paragraph', label, required, maxLength });
  const check = (id: string, label: string): FormField => ({ id, kind: 'check', label, required: false, options: [{ value: 'yes', label: m('yes') }] });
  const select = (id: string, label: string, required: boolean, options: FormOption[], initial?: string): FormField => ({
    id,
    kind: 'select',
    label,
    required,
    options,
    ...(initial !== undefined && { initial }),
  });
  const when = (id: string, label: string, required: boolean): FormField => ({ id, kind: 'datetime', label, required, hint: t('desk.modal.etaHint', { zone: ctx.timeZone }) });
  const form = (title: string, fields: FormField[], submit = m('submit')): Form => ({
    kind,
    ...(state && { number: state.ticket.number }),
    title,
    submit,
    cancel: m('cancel'),
    fields,
  });
  switch (kind) {
    case 'reply':
      return form(m('replyTitle'), [paragraph('text', m('replyText'), true, LIMITS.message), check('wait', m('waitForCustomer'))]);
    case 'progress': {
      const presets = ctx.directory.config.progressPresets.map((p) => ({ value: p.id, label: localized(p.label, ctx.language) }));
      return form(m('progressTitle'), [
        ...(presets.length ? [select('preset', m('preset'), false, presets)] : []),
        paragraph('text', m('progressText'), false, LIMITS.message),
        when('eta', m('eta'), false),
        check('complex', m('complex')),
        check('wait', m('waitForCustomer')),
      ]);
    }
    case 'involve':
      return form(m('involveTitle'), [
        select('department', m('department'), true, ctx.directory.departments().map((d) => ({ value: d.id, label: departmentName(ctx.directory, d.id, ctx.language) }))),
        select('role', m('role'), true, COORDINATION_ROLES.map((r) => ({ value: r, label: t(`desk.role.${r}`) }))),
        paragraph('note', m('note'), false, LIMITS.reason),
      ]);
    case 'resolve':
      return form(m('resolveTitle'), [
        paragraph('measures', m('measures'), true, LIMITS.measures),
        paragraph('advice', m('advice'), true, LIMITS.advice),
        paragraph('cause', m('cause'), false, LIMITS.cause),
        text('time_needed', m('timeNeeded'), false, LIMITS.timeNeeded),
        text('estimated_cost', m('estimatedCost'), false, LIMITS.estimatedCost),
      ]);
    case 'reassign': {
      const people = state ? reassignCandidates(ctx.directory, state) : [];
      return form(m('reassignTitle'), [
        select('assignee', m('assignee'), true, people.map((s) => ({ value: s.id, label: `${s.name} (${departmentName(ctx.directory, s.departmentId, ctx.language)})` }))),
        paragraph('reason', m('reason'), false, LIMITS.reason),
      ]);
    }
    case 'delay':
      return form(m('delayTitle'), [paragraph('reason', m('delayReason'), true, LIMITS.reason), when('eta', m('etaRequired'), true)]);
    case 'reclassify': {
      const label = (k: string) => m(k).split(/[（(]/)[0]!.trim();
      return form(
        m('reclassifyTitle'),
        [
          select('category', label('categoryOptional'), false, CATEGORIES.map((c) => ({ value: c, label: t(`desk.category.${c}`) })), state?.ticket.category),
          select('severity', label('severityOptional'), false, SEVERITIES.map((s) => ({ value: s, label: t(`desk.severity.${s}`) })), state?.ticket.severity),
        ],
        m('save'),
      );
    }
    case 'new':
      return form(m('newTitle'), [
        text('name', m('customerName'), true, LIMITS.customerName),
        text('contact', m('contact'), false, 254),
        text('product', m('product'), true, LIMITS.product),
        text('order', m('order'), false, LIMITS.orderNumber),
        paragraph('description', m('description'), true, LIMITS.description),
      ]);
  }
}

/** Where a command field's problem is shown: the form field it came from. */
const FIELD_OF: Readonly<Record<string, string>> = {
  waitForCustomer: 'wait',
  to: 'assignee',
  'diagnosis.cause': 'cause',
  'diagnosis.measures': 'measures',
  'diagnosis.timeNeeded': 'time_needed',
  'diagnosis.estimatedCost': 'estimated_cost',
  orderNumber: 'order',
  phone: 'contact',
  email: 'contact',
};

/**
 * Turns what was typed into a ticket command (or the draft of a new ticket), or per-field errors
 * in the reader's language. Only fields of the form are read; a choice outside the offered
 * options is refused.
 */
export function parseForm(form: Form, values: FormValues, ctx: FormContext): ParsedForm {
  const t = translator(ctx.language);
  const errors: Record<string, string> = {};
  const fields = new Map(form.fields.map((f) => [f.id, f]));
  const get = (id: string): string | undefined => {
    const f = fields.get(id);
    const v = f ? values[id]?.trim() : undefined;
    if (!f || !v) {
      if (f?.required) errors[id] = t('desk.reply.required');
      return undefined;
    }
    if ((f.kind === 'select' || f.kind === 'check') && !f.options?.some((o) => o.value === v)) {
      errors[id] = t('desk.reply.notAnOption');
      return undefined;
    }
    return v;
  };
  const checked = (id: string) => get(id) === 'yes';
  const when = (id: string): Date | undefined => {
    const v = get(id);
    if (!v) return undefined;
    const d = parseWhen(v, ctx.timeZone);
    if (!d) errors[id] = t('desk.reply.badDate');
    return d;
  };
  /** Checks the raw command (or draft) with the shared schema, mapping its problems to form fields. */
  const check = <S extends z.ZodType>(schema: S, raw: unknown): z.output<S> | undefined => {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String).join('.');
      const named = FIELD_OF[path] ?? path;
      // A problem with no field of its own is shown on the first field.
      const id = fields.has(named) ? named : (form.fields[0]?.id ?? named);
      if (errors[id]) continue;
      errors[id] =
        issue.code === 'too_big'
          ? t('desk.reply.tooLong', { max: Number(issue.maximum) })
          : issue.code === 'too_small'
            ? t('desk.reply.required')
            : path === 'email'
              ? t('desk.reply.badEmail')
              : path === 'phone'
                ? t('desk.reply.badPhone')
                : issue.message;
    }
    return undefined;
  };
  const done = (command: unknown): ParsedForm => {
    const parsed = Object.keys(errors).length ? undefined : check(ticketCommand, command);
    return parsed && !Object.keys(errors).length ? { ok: true, command: parsed } : { ok: false, errors };
  };
  switch (form.kind) {
    case 'reply':
      return done({ type: 'reply', text: get('text') ?? '', waitForCustomer: checked('wait') || undefined });
    case 'progress': {
      const preset = get('preset');
      const text = get('text');
      const complex = checked('complex');
      if (!preset && !text && !complex && !errors.preset) errors.text = t('desk.reply.required');
      return done({ type: 'progress', preset, text, eta: when('eta'), complex: complex || undefined, waitForCustomer: checked('wait') || undefined });
    }
    case 'involve':
      return done({ type: 'involve', department: get('department') ?? '', role: get('role') ?? 'other', note: get('note') });
    case 'resolve': {
      const measures = get('measures') ?? '';
      const cause = get('cause');
      const timeNeeded = get('time_needed');
      const estimatedCost = get('estimated_cost');
      // A diagnosis (complex faults) is kept when any of its parts is given.
      const diagnosis = cause || timeNeeded || estimatedCost ? { cause: cause ?? '', measures, timeNeeded: timeNeeded ?? '', estimatedCost: estimatedCost ?? '' } : undefined;
      if (diagnosis) for (const [id, v] of [['cause', cause], ['time_needed', timeNeeded], ['estimated_cost', estimatedCost]] as const) if (!v) errors[id] = t('desk.reply.required');
      return done({ type: 'resolve', measures, advice: get('advice') ?? '', diagnosis });
    }
    case 'reassign':
      return done({ type: 'reassign', to: get('assignee') ?? '', reason: get('reason') });
    case 'delay':
      return done({ type: 'delay', reason: get('reason') ?? '', eta: when('eta') ?? new Date(Number.NaN) });
    case 'reclassify': {
      const category = get('category');
      const severity = get('severity');
      if (!category && !severity && !errors.category && !errors.severity) errors.category = t('desk.reply.required');
      return done({ type: 'reclassify', category, severity });
    }
    case 'new': {
      const contact = get('contact');
      const email = contact?.includes('@') ? contact : undefined;
      const draft = check(staffTicketSchema, {
        name: get('name') ?? '',
        phone: contact && !email ? contact : undefined,
        email,
        product: get('product') ?? '',
        orderNumber: get('order'),
        description: get('description') ?? '',
      });
      return draft && !Object.keys(errors).length ? { ok: true, create: draft } : { ok: false, errors };
    }
  }
}
