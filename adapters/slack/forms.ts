import { z } from 'zod';
import type { Form, FormField, FormValues } from '../../src/app/desk/forms.js';
import { cleanText } from '../../src/core/text.js';
import { longTextBlocks, plain, type Block } from './blocks.js';

/**
 * Staff forms (src/app/desk/forms.ts) drawn as Slack modals, and their submissions read back.
 * Every input's block_id is its field id and its element's action_id is `value`; the modal's
 * callback_id names the form, its private_metadata the ticket and the channel to answer in.
 */

export const MODAL_PREFIX = 'ac:';
export const VALUE = 'value';
/** Slack's longest plain_text_input. */
const SLACK_INPUT_MAX = 3000;

export interface ModalMeta {
  /** Ticket number (absent for `new`). */
  n?: string | undefined;
  /** Channel to answer in. */
  c?: string | undefined;
}

export const modalMeta = z.object({ n: z.string().optional(), c: z.string().optional() });

export interface View {
  type: 'modal';
  callback_id: string;
  private_metadata: string;
  title: { type: 'plain_text'; text: string };
  submit?: { type: 'plain_text'; text: string };
  close: { type: 'plain_text'; text: string };
  blocks: Block[];
}

const option = (label: string, value: string) => ({ text: plain(label, 75), value });

function element(f: FormField): Block {
  const options = (f.options ?? []).slice(0, 100).map((o) => option(o.label, o.value));
  switch (f.kind) {
    case 'text':
    case 'paragraph':
      return { type: 'plain_text_input', multiline: f.kind === 'paragraph', max_length: Math.min(f.maxLength ?? SLACK_INPUT_MAX, SLACK_INPUT_MAX) };
    case 'select': {
      const initial = options.find((o) => o.value === f.initial);
      return { type: 'static_select', options, ...(initial && { initial_option: initial }) };
    }
    case 'check':
      return { type: 'checkboxes', options };
    case 'datetime':
      return { type: 'datetimepicker' };
  }
}

function input(f: FormField): Block {
  // A checkbox carries its own text; its input label stays blank.
  const label = f.kind === 'check' ? ' ' : f.label;
  return {
    type: 'input',
    block_id: f.id,
    label: plain(label, 2000),
    element: { ...element(f), action_id: VALUE },
    optional: !f.required,
  };
}

function modal(callbackId: string, title: string, submit: string | undefined, cancel: string, meta: ModalMeta, blocks: Block[]): View {
  return {
    type: 'modal',
    callback_id: callbackId,
    private_metadata: JSON.stringify(meta),
    title: plain(title, 24),
    ...(submit && { submit: plain(submit, 24) }),
    close: plain(cancel, 24),
    blocks,
  };
}

/** A form as a modal; the ticket number shows above the fields. */
export function formView(form: Form, meta: ModalMeta): View {
  // A checkbox's words are its option's label: the field's label, not "Yes".
  const fields = form.fields.map((f) => (f.kind === 'check' ? { ...f, options: [{ value: 'yes', label: f.label }] } : f));
  const blocks: Block[] = [...(form.number ? [{ type: 'context', elements: [plain(form.number, 200)] }] : []), ...fields.map(input)];
  return modal(`${MODAL_PREFIX}${form.kind}`, form.title, form.submit, form.cancel, { ...meta, ...(form.number && { n: form.number }) }, blocks);
}

/** A read-only modal with a long text ("View full"). */
export function documentView(title: string, text: string, cancel: string): View {
  return modal(`${MODAL_PREFIX}full`, title, undefined, cancel, {}, [{ type: 'header', text: plain(title, 150) }, ...longTextBlocks(text)]);
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
function field(values: ViewStateValues, blockId: string): string | undefined {
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

/** Every block's value, keyed by field id. */
export function submittedValues(values: ViewStateValues): FormValues {
  return Object.fromEntries(Object.keys(values).map((id) => [id, field(values, id)]));
}
