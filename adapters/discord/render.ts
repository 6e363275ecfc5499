import { ButtonStyle, ComponentType } from 'discord.js';
import type { CardButton, CardField, TicketCard } from '../../src/app/desk/card.js';
import type { TaskCard } from '../../src/app/desk/coordination.js';
import type { EscalationPost } from '../../src/app/desk/escalation-post.js';
import type { TimelineEntry } from '../../src/app/desk/timeline.js';
import { fitEscaped, truncate } from '../../src/app/desk/view-context.js';

/**
 * Discord messages for the staff views (PLATFORMS.md limits: content 2000, ≤10 embeds,
 * title 256, description 4096, ≤25 fields of 256/1024, footer 2048, 6000 in all; ≤5 rows
 * of ≤5 buttons, label ≤80, custom_id ≤100). Every message carries `allowed_mentions:
 * { parse: [] }`, and people's text is markdown-escaped with mentions broken, so a customer
 * can never ping @everyone, @here, a role or a user, nor inject formatting.
 */

export interface DiscordMessage {
  content?: string;
  embeds?: Record<string, unknown>[];
  components?: Record<string, unknown>[];
  allowed_mentions: { parse: never[] };
}

export const NO_MENTIONS = { parse: [] as never[] };

/**
 * Escapes Discord markdown (every formatting character, line-start quotes, headings and
 * lists) and breaks mention syntax (`@everyone`, `@here`, `<@…>`, `<#…>`, `<@&…>`) with a
 * zero-width space.
 */
export function escapeDiscord(text: string): string {
  return text
    .replace(/[\\*_~`|[\]()]/g, '\\$&')
    .replace(/^(\s*)([>#-])/gm, '$1\\$2')
    .replace(/^(\s*)(\d+)\./gm, '$1$2\\.')
    .replace(/@(everyone|here)/gi, '@\u200b$1')
    .replace(/<([@#:]|a:|t:|\/)/g, '<\u200b$1');
}

/** Our own text where Discord shows no markdown (titles, footers, field names, labels): cut, mentions broken. */
export function clipPlain(text: string, limit: number): string {
  return fitEscaped(text || '—', limit, (s) => s.replace(/@(everyone|here)/gi, '@\u200b$1'));
}

/** Escaped and cut to `limit` characters (escaping counted). */
export function clip(text: string, limit: number): string {
  return fitEscaped(text || '—', limit, escapeDiscord);
}

/** People's text as a block quote, escaped, at most `limit` characters with the `> ` prefixes counted. */
export function quoteBlock(text: string, limit: number): string {
  return fitEscaped(text, limit, (t) => escapeDiscord(t).split('\n').map((l) => `> ${l}`).join('\n'));
}

export const CUSTOM_ID_PREFIX = 'ac';

/** `ac:<action>:<value>` — at most 100 characters; never trusted (the use cases re-check permissions). */
export function customId(action: string, value: string): string {
  const id = `${CUSTOM_ID_PREFIX}:${action}:${value}`;
  if (id.length > 100) throw new Error(`custom_id over 100 characters: ${id}`);
  return id;
}

const STYLE = { primary: ButtonStyle.Primary, danger: ButtonStyle.Danger } as const;

function buttonRow(buttons: CardButton[]): Record<string, unknown> {
  return {
    type: ComponentType.ActionRow,
    components: buttons.slice(0, 5).map((b) => ({
      type: ComponentType.Button,
      style: b.style ? STYLE[b.style] : ButtonStyle.Secondary,
      label: truncate(b.label, 80).text,
      custom_id: customId(b.action, b.value),
    })),
  };
}

/** Button rows, at most 5 rows of at most 5. */
export function buttonRows(rows: CardButton[][]): Record<string, unknown>[] {
  const split = rows.flatMap((row) => {
    const out: CardButton[][] = [];
    for (let i = 0; i < row.length; i += 5) out.push(row.slice(i, i + 5));
    return out;
  });
  return split.filter((r) => r.length).slice(0, 5).map(buttonRow);
}

const COLOR = { normal: 0x2e7d32, urgent: 0xef6c00, critical: 0xc62828, done: 0x607d8b } as const;

function fields(list: CardField[]): Record<string, unknown>[] {
  return list.slice(0, 25).map((f) => ({ name: clipPlain(f.label, 256), value: clip(f.value, 1024), inline: true }));
}

export function cardMessage(card: TicketCard): DiscordMessage {
  const footer = [card.subtitle, ...card.notes].join(' · ');
  return {
    embeds: [
      {
        title: clipPlain(card.title, 256),
        description: clip(card.description, 3000),
        color: card.done ? COLOR.done : COLOR[card.severity],
        fields: fields(card.fields),
        footer: { text: clipPlain(footer, 2048) },
      },
    ],
    components: buttonRows(card.buttons),
    allowed_mentions: NO_MENTIONS,
  };
}

/** Timeline entries as messages of at most 2000 characters; `buttons` (e.g. Reply) under the last one. */
export function timelineMessages(entries: TimelineEntry[], buttons: CardButton[] = []): DiscordMessage[] {
  const out: DiscordMessage[] = [];
  let current = '';
  for (const e of entries) {
    const quote = e.quote ? `\n${quoteBlock(e.quote, 1500)}` : '';
    const part = `**${clip(e.headline, 300)}**${quote}`;
    if (current && current.length + part.length + 1 > 2000) {
      out.push({ content: current, allowed_mentions: NO_MENTIONS });
      current = '';
    }
    current = current ? `${current}\n${part}` : part;
  }
  if (current) out.push({ content: current, ...(buttons.length && { components: buttonRows([buttons]) }), allowed_mentions: NO_MENTIONS });
  return out;
}

export function sheetMessage(sheet: { title: string; rows: { line: string; note?: string; outcome?: string }[] }): DiscordMessage {
  return {
    embeds: [
      {
        title: clipPlain(`📋 ${sheet.title}`, 256),
        description: clip(sheet.rows.map((r) => [r.line, r.note, r.outcome].filter(Boolean).join('\n')).join('\n\n') || '—', 4000),
      },
    ],
    allowed_mentions: NO_MENTIONS,
  };
}

export function taskMessage(task: TaskCard): DiscordMessage {
  return {
    embeds: [{ title: clipPlain(`${task.done ? '✅' : '🤝'} ${task.title}`, 256), description: clip(task.note, 4000), fields: fields(task.fields), color: task.done ? COLOR.done : 0x1565c0 }],
    components: buttonRows([task.buttons]),
    allowed_mentions: NO_MENTIONS,
  };
}

export function escalationMessage(post: EscalationPost): DiscordMessage {
  return {
    embeds: [
      {
        title: clipPlain(`${post.open ? '🚨' : '✅'} ${post.title}`, 256),
        fields: fields(post.fields),
        ...(post.status && { footer: { text: clipPlain(post.status, 2048) } }),
        color: post.open ? COLOR.critical : COLOR.done,
      },
    ],
    components: buttonRows([post.buttons]),
    allowed_mentions: NO_MENTIONS,
  };
}

export function noticeMessage(text: string, quote: string | undefined, buttons: CardButton[]): DiscordMessage {
  const q = quote ? `\n${quoteBlock(quote, 1500)}` : '';
  return { content: `${clip(text, 400)}${q}`, components: buttonRows([buttons]), allowed_mentions: NO_MENTIONS };
}
