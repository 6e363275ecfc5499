import type { CardButton, CardField, TicketCard } from '../../src/app/desk/card.js';
import type { TaskCard } from '../../src/app/desk/coordination.js';
import type { EscalationPost } from '../../src/app/desk/escalation-post.js';
import type { TimelineEntry } from '../../src/app/desk/timeline.js';
import { fitEscaped } from '../../src/app/desk/view-context.js';

/**
 * Block Kit for the staff views (PLATFORMS.md limits: 50 blocks a message, section text
 * 3000, ≤10 fields of 2000, button text 75, value 2000, header 150). Everything people
 * typed goes out as `plain_text` with Slack's three control characters escaped, so a
 * customer can never produce `<!channel>`, a user mention, a link or formatting.
 */

export type Block = { type: string; block_id?: string } & Record<string, unknown>;

/** Escapes Slack's control characters (`&`, `<`, `>`), as Slack asks for every text field. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A plain_text object: no formatting, no mentions, no links; escaped and cut to `limit`. */
export function plain(text: string, limit = 3000): { type: 'plain_text'; text: string; emoji: boolean } {
  return { type: 'plain_text', text: fitEscaped(text || ' ', limit, escapeSlack), emoji: true };
}

export const ACTION_PREFIX = 'ac:';

function button(b: CardButton): Block {
  return {
    type: 'button',
    action_id: `${ACTION_PREFIX}${b.action}`,
    text: plain(b.label, 75),
    value: b.value,
    ...(b.style && { style: b.style }),
  };
}

function fieldsSection(fields: CardField[]): Block {
  return { type: 'section', fields: fields.slice(0, 10).map((f) => plain(`${f.label}\n${f.value}`, 2000)) };
}

function actions(blockId: string, buttons: CardButton[]): Block[] {
  return buttons.length ? [{ type: 'actions', block_id: blockId, elements: buttons.slice(0, 25).map(button) }] : [];
}

const SEVERITY_MARK = { normal: '🟢', urgent: '🟠', critical: '🔴' } as const;

/** The ticket card: header, department, fields, description, badges and button rows. */
export function cardBlocks(card: TicketCard): Block[] {
  const mark = card.done ? '✅' : SEVERITY_MARK[card.severity];
  const context = [card.subtitle, ...card.notes, ...(card.overdue ? [`⏰ ${card.deadline}`] : [])].join(' · ');
  const blocks: Block[] = [
    { type: 'header', text: plain(`${mark} ${card.title}`, 150) },
    { type: 'context', elements: [plain(context, 2000)] },
    fieldsSection(card.fields),
    { type: 'section', text: plain(card.description, 3000) },
  ];
  card.buttons.forEach((row, i) => blocks.push(...actions(`card-${i}`, row)));
  return blocks;
}

/** One thread message with a batch of timeline entries (each: headline, then what was said). */
/** Timeline entries as messages of at most 48 blocks; `buttons` (e.g. Reply) under the last one. */
export function timelineBlocks(entries: TimelineEntry[], buttons: CardButton[] = []): Block[][] {
  const messages: Block[][] = [];
  let current: Block[] = [];
  for (const e of entries) {
    const add: Block[] = [{ type: 'context', elements: [plain(e.headline, 2000)] }];
    if (e.quote) add.push({ type: 'section', text: plain(e.quote, 3000) });
    if (current.length + add.length > 48) {
      messages.push(current);
      current = [];
    }
    current.push(...add);
  }
  if (current.length) messages.push([...current, ...actions('timeline', buttons)]);
  return messages;
}

export function sheetBlocks(sheet: { title: string; rows: { line: string; note?: string; outcome?: string }[] }): Block[] {
  return [
    { type: 'header', text: plain(`📋 ${sheet.title}`, 150) },
    ...sheet.rows.slice(0, 45).map((r) => ({ type: 'section', text: plain([r.line, r.note, r.outcome].filter(Boolean).join('\n'), 3000) })),
  ];
}

export function taskBlocks(task: TaskCard): Block[] {
  return [
    { type: 'header', text: plain(`${task.done ? '✅' : '🤝'} ${task.title}`, 150) },
    fieldsSection(task.fields),
    ...(task.note ? [{ type: 'section', text: plain(task.note, 3000) }] : []),
    ...actions('task', task.buttons),
  ];
}

export function escalationBlocks(post: EscalationPost): Block[] {
  return [
    { type: 'header', text: plain(`${post.open ? '🚨' : '✅'} ${post.title}`, 150) },
    fieldsSection(post.fields),
    ...(post.status ? [{ type: 'context', elements: [plain(post.status, 2000)] }] : []),
    ...actions('escalation', post.buttons),
  ];
}

export function noticeBlocks(text: string, quote: string | undefined, buttons: CardButton[]): Block[] {
  return [
    { type: 'section', text: plain(text, 3000) },
    ...(quote ? [{ type: 'section', text: plain(quote, 3000) }] : []),
    ...actions('notice', buttons),
  ];
}

/** A long text as sections of at most 3000 characters (for "View full"). */
export function longTextBlocks(text: string): Block[] {
  const chars = [...text];
  const blocks: Block[] = [];
  for (let i = 0; i < chars.length && blocks.length < 95; i += 2500) {
    blocks.push({ type: 'section', text: plain(chars.slice(i, i + 2500).join(''), 3000) });
  }
  return blocks.length ? blocks : [{ type: 'section', text: plain(' ') }];
}
