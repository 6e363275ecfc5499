import { ComponentType, InteractionResponseType, TextInputStyle } from 'discord.js';
import { z } from 'zod';
import type { Form, FormField, FormValues } from '../../src/app/desk/forms.js';
import { truncate } from '../../src/app/desk/view-context.js';
import { cleanText } from '../../src/core/text.js';
import { customId } from './render.js';

/**
 * Staff forms (src/app/desk/forms.ts) drawn as Discord modals (at most 5 components), and
 * their submissions read back. Texts and typed date-times are text inputs in action rows;
 * choices and yes/no boxes are string selects inside label components. The modal's custom_id
 * names the form and the ticket: `ac:m:<form>:<number>`.
 */

/** Discord's longest text input. */
const DISCORD_INPUT_MAX = 4000;

export type ModalResponse = { type: InteractionResponseType.Modal; data: Record<string, unknown> };

function component(f: FormField): Record<string, unknown> {
  const label = truncate(f.label, 45).text;
  if (f.kind === 'select' || f.kind === 'check') {
    return {
      type: ComponentType.Label,
      label,
      component: {
        type: ComponentType.StringSelect,
        custom_id: f.id,
        required: f.required,
        min_values: f.required ? 1 : 0,
        max_values: 1,
        options: (f.options ?? []).slice(0, 25).map((o) => ({ label: truncate(o.label, 100).text, value: o.value, ...(o.value === f.initial && { default: true }) })),
      },
    };
  }
  return {
    type: ComponentType.ActionRow,
    components: [
      {
        type: ComponentType.TextInput,
        custom_id: f.id,
        label,
        style: f.kind === 'paragraph' ? TextInputStyle.Paragraph : TextInputStyle.Short,
        required: f.required,
        max_length: Math.min(f.maxLength ?? (f.kind === 'datetime' ? 40 : DISCORD_INPUT_MAX), DISCORD_INPUT_MAX),
        ...(f.hint && { placeholder: truncate(f.hint, 100).text }),
      },
    ],
  };
}

export function formModal(form: Form): ModalResponse {
  return {
    type: InteractionResponseType.Modal,
    data: {
      custom_id: customId('m', `${form.kind}:${form.number ?? ''}`),
      title: truncate(form.number ? `${form.title} · ${form.number}` : form.title, 45).text,
      components: form.fields.slice(0, 5).map(component),
    },
  };
}

const submitted = z.looseObject({ custom_id: z.string().optional(), value: z.string().optional(), values: z.array(z.string()).optional() });
/** Modal rows as Discord sends them: action rows of text inputs, or labels wrapping one component. */
export const modalRows = z.array(z.looseObject({ components: z.array(submitted).optional(), component: submitted.optional() }));

/** Every field's value by its id: typed text (cleaned), or the chosen option. */
export function modalValues(rows: z.infer<typeof modalRows>): FormValues {
  const out: Record<string, string | undefined> = {};
  const read = (c: z.infer<typeof submitted>) => {
    if (!c.custom_id) return;
    // Typed text is cleaned (src/core/text.ts): no control characters; invisible-only is empty.
    out[c.custom_id] = c.values ? c.values[0] : cleanText(c.value ?? '') || undefined;
  };
  for (const row of rows) {
    for (const c of row.components ?? []) read(c);
    if (row.component) read(row.component);
  }
  return out;
}
