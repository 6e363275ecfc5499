import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { DiscordAPIError, HTTPError, RateLimitError, REST, type RateLimitData } from 'discord.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyDiscordError, DiscordSurface } from '../../../../adapters/discord/discord-surface.js';
import { ed25519PublicKey, verifyDiscordSignature } from '../../../../adapters/discord/index.js';
import {
  buttonRows,
  cardMessage,
  clip,
  clipPlain,
  customId,
  escalationMessage,
  escapeDiscord,
  noticeMessage,
  sheetMessage,
  taskMessage,
  timelineMessages,
  type DiscordMessage,
} from '../../../../adapters/discord/render.js';
import type { StoredEvent } from '../../../../src/app/ports.js';
import { ticketCard, type CardActionId, type CardButton } from '../../../../src/app/desk/card.js';
import { coordinationSheet, taskCard } from '../../../../src/app/desk/coordination.js';
import { escalationPost } from '../../../../src/app/desk/escalation-post.js';
import { timelineEntries } from '../../../../src/app/desk/timeline.js';
import { at, ctx, escalation, eventMaker, state as baseState, task, type StateOverrides } from '../../../helpers/ticket-fixtures.js';

// ------------------------------------------------------------------ fixtures (tests/helpers/ticket-fixtures.ts)

/** The shared ticket state, with this file's order number. */
const state = (over: StateOverrides = {}) => baseState({ ...over, ticket: { orderNumber: 'SO-2026-0001', ...over.ticket } });
const ev = eventMaker('discord');
const DAVE = { kind: 'staff', staffId: 'dave' } as const;
const CUSTOMER = { kind: 'customer', customerId: 'c1' } as const;

/** Text built to break things: every markdown character, mentions of all kinds, line-start syntax. */
const HOSTILE = '@everyone @HERE <@123> <@!456> <@&789> <#321> **bold** __u__ ~~s~~ `code` ||spoiler|| [link](http://x) \\ \n> quote\n# heading\n- item\n1. first';

// ------------------------------------------------------------------ Discord limits

const cp = (s: string) => [...s].length;

type Embed = { title?: string; description?: string; fields?: { name: string; value: string }[]; footer?: { text: string } };
type Row = { type: number; components: { type: number; style: number; label: string; custom_id: string }[] };

/** Asserts every documented Discord limit a message must respect (PLATFORMS.md). */
function expectWithinLimits(m: DiscordMessage): void {
  expect(m.allowed_mentions).toEqual({ parse: [] });
  if (m.content !== undefined) expect(m.content.length).toBeLessThanOrEqual(2000);
  const embeds = (m.embeds ?? []) as Embed[];
  expect(embeds.length).toBeLessThanOrEqual(10);
  let total = 0;
  for (const e of embeds) {
    const title = e.title ?? '';
    const description = e.description ?? '';
    const footer = e.footer?.text ?? '';
    const fields = e.fields ?? [];
    expect(title.length).toBeLessThanOrEqual(256);
    expect(description.length).toBeLessThanOrEqual(4096);
    expect(footer.length).toBeLessThanOrEqual(2048);
    expect(fields.length).toBeLessThanOrEqual(25);
    for (const f of fields) {
      expect(f.name.length).toBeGreaterThan(0);
      expect(f.value.length).toBeGreaterThan(0);
      expect(f.name.length).toBeLessThanOrEqual(256);
      expect(f.value.length).toBeLessThanOrEqual(1024);
    }
    total += title.length + description.length + footer.length + fields.reduce((s, f) => s + f.name.length + f.value.length, 0);
  }
  expect(total).toBeLessThanOrEqual(6000);
  expectButtonLimits((m.components ?? []) as Row[]);
}

function expectButtonLimits(rows: Row[]): void {
  expect(rows.length).toBeLessThanOrEqual(5);
  for (const row of rows) {
    expect(row.type).toBe(1);
    expect(row.components.length).toBeGreaterThan(0);
    expect(row.components.length).toBeLessThanOrEqual(5);
    for (const b of row.components) {
      expect(b.type).toBe(2);
      expect(cp(b.label)).toBeLessThanOrEqual(80);
      expect(b.custom_id.length).toBeLessThanOrEqual(100);
    }
  }
}

const texts = (m: DiscordMessage) => JSON.stringify([m.content ?? '', m.embeds ?? []]);
const MENTION = /@(everyone|here)|<[@#][\d&!]/i;

// ------------------------------------------------------------------ escaping

describe('escapeDiscord', () => {
  it('defuses @everyone and @here in any case', () => {
    for (const s of ['@everyone', '@here', '@EVERYONE', '@Here', 'hi @eVeRyOnE and @hErE!', 'mail me@here.com']) {
      const out = escapeDiscord(s);
      expect(out).not.toMatch(/@(everyone|here)/i);
      // Only a zero-width space is added: the text still reads the same.
      expect(out.replace(/\u200b/g, '')).toBe(s);
    }
  });

  it('breaks user, role and channel mentions (and the other <…> syntaxes)', () => {
    for (const s of ['<@123>', '<@!123>', '<@&123>', '<#123>', '<t:1700000000:R>', '</aftercare find:1>', '<:pepe:1>', '<a:dance:2>']) {
      const out = escapeDiscord(s);
      expect(out).not.toMatch(/<[@#/:]|<a:|<t:/);
      expect(out.replace(/\u200b/g, '')).toBe(s);
    }
    expect(escapeDiscord('<@123>')).not.toContain('<@1');
    expect(escapeDiscord('<@&123>')).not.toContain('<@&');
    expect(escapeDiscord('<#123>')).not.toContain('<#1');
  });

  it('backslash-escapes every markdown character', () => {
    for (const c of ['*', '_', '~', '`', '|', '[', ']', '(', ')', '\\']) {
      expect(escapeDiscord(`a${c}b`)).toBe(`a\\${c}b`);
    }
    expect(escapeDiscord('**bold** __u__ ~~s~~ `c` ||sp|| [l](u)')).toBe('\\*\\*bold\\*\\* \\_\\_u\\_\\_ \\~\\~s\\~\\~ \\`c\\` \\|\\|sp\\|\\| \\[l\\]\\(u\\)');
  });

  it('escapes quotes, headings and list markers at the start of a line only', () => {
    expect(escapeDiscord('> quoted')).toBe('\\> quoted');
    expect(escapeDiscord('>>> block')).toBe('\\>>> block');
    expect(escapeDiscord('# heading')).toBe('\\# heading');
    expect(escapeDiscord('## sub')).toBe('\\## sub');
    expect(escapeDiscord('- item')).toBe('\\- item');
    expect(escapeDiscord('line\n  - indented\n3. third')).toBe('line\n  \\- indented\n3\\. third');
    // A numbered list marker keeps its digits and loses its dot's meaning (`1\.`, as Discord expects).
    expect(escapeDiscord('> a\n# b\n- c\n1. d\n12. e').split('\n')).toEqual(['\\> a', '\\# b', '\\- c', '1\\. d', '12\\. e']);
    // Not at the start of a line: left alone.
    expect(escapeDiscord('a > b # c - d 1. e')).toBe('a > b # c - d 1. e');
  });

  it('leaves ordinary text unchanged', () => {
    for (const s of ['SO-2026-0001', 'Model X printer', 'AC-000123', '打印机坏了，请尽快处理。', 'Error E02 since 3 pm', 'a.b@example.com', '']) {
      expect(escapeDiscord(s)).toBe(s);
    }
  });

  const pieces = fc.constantFrom('@', '<', '#', '&', '!', '>', '-', '1', '.', '\n', ' ', '*', '\\', '\u200b', 'everyone', 'EVERYONE', 'here', 'HeRe', '@everyone', '<@', '<#', '<@&', '<@!', '123');
  const tricky = fc.array(pieces, { maxLength: 40 }).map((a) => a.join(''));
  const anyString = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 100 }), tricky);

  it('property: never leaves a mention that would parse', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        expect(escapeDiscord(s)).not.toMatch(MENTION);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: removing the added backslashes and zero-width spaces gives the text back', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', ' ', '\n', '@', 'here', '<', '#', '*', '>', '-', '1.'), { maxLength: 30 }).map((a) => a.join('')), (s) => {
        const out = escapeDiscord(s);
        // `\\` becomes `\\\\` and every other escape adds one backslash in front of a non-backslash.
        expect(out.replace(/\u200b/g, '').replace(/\\(.)/gs, '$1')).toBe(s);
      }),
    );
  });
});

describe('clip / clipPlain', () => {
  it('keep short texts whole (escaped) and put a dash for an empty one', () => {
    expect(clip('a*b', 10)).toBe('a\\*b');
    expect(clip('', 10)).toBe('—');
    expect(clipPlain('', 10)).toBe('—');
    expect(clipPlain('a*b', 10)).toBe('a*b');
  });

  it('cut to the limit with "…", counting the escapes', () => {
    expect(clip('a*b', 3)).toBe('a…');
    expect(clip('x'.repeat(50), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(clipPlain('y'.repeat(300), 256)).toBe(`${'y'.repeat(255)}…`);
    const starred = clip('*'.repeat(100), 21);
    expect(starred).toBe(`${'\\*'.repeat(10)}…`);
  });

  it('clipPlain breaks @everyone but leaves markdown alone (titles, footers, labels)', () => {
    expect(clipPlain('@everyone **x**', 100)).toBe('@\u200beveryone **x**');
  });

  const text = fc.oneof(fc.string({ maxLength: 400 }), fc.array(fc.constantFrom('*', '_', '\\', '@everyone', '<@1', '\n', '> ', 'é', '😀', 'ab'), { maxLength: 200 }).map((a) => a.join('')));

  it('property: never over the limit, "…" when cut, no live mention', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 300 }), (s, limit) => {
        for (const [fn, escape] of [
          [clip, escapeDiscord],
          [clipPlain, (x: string) => x.replace(/@(everyone|here)/gi, '@\u200b$1')],
        ] as const) {
          const out = fn(s, limit);
          expect(out.length).toBeLessThanOrEqual(limit);
          expect(out).not.toMatch(/@(everyone|here)/i);
          const whole = escape(s || '—');
          if (whole.length > limit) expect(out.endsWith('…')).toBe(true);
          else expect(out).toBe(whole);
        }
        expect(clip(s, limit)).not.toMatch(MENTION);
      }),
      { numRuns: 500 },
    );
  });

  it('never cuts a surrogate pair in half', () => {
    const out = clip('😀'.repeat(20), 11);
    expect(out).toBe(`${'😀'.repeat(5)}…`);
    expect(out.length).toBeLessThanOrEqual(11);
  });
});

// ------------------------------------------------------------------ custom ids and buttons

describe('customId', () => {
  it('is ac:<action>:<value>', () => {
    expect(customId('claim', 'AC-000123')).toBe('ac:claim:AC-000123');
  });

  it('allows exactly 100 characters and throws over 100', () => {
    expect(customId('x', 'v'.repeat(95))).toHaveLength(100);
    expect(() => customId('x', 'v'.repeat(96))).toThrow(/custom_id over 100/);
  });
});

describe('buttonRows', () => {
  const btn = (i: number, over: Partial<CardButton> = {}): CardButton => ({ action: 'claim', label: `Button ${i}`, value: `AC-${String(i).padStart(6, '0')}`, ...over });

  it('maps styles: primary → 1, danger → 4, none → 2 (secondary)', () => {
    const rows = buttonRows([[btn(1, { style: 'primary' }), btn(2, { style: 'danger' }), btn(3)]]) as Row[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.components.map((b) => b.style)).toEqual([1, 4, 2]);
    expect(rows[0]!.components.map((b) => b.custom_id)).toEqual(['ac:claim:AC-000001', 'ac:claim:AC-000002', 'ac:claim:AC-000003']);
  });

  it('splits long rows into rows of 5, keeps at most 5 rows and drops empty rows', () => {
    const many = Array.from({ length: 7 }, (_, r) => Array.from({ length: 7 }, (_, i) => btn(r * 10 + i)));
    const rows = buttonRows([[], ...many]) as Row[];
    expect(rows).toHaveLength(5);
    expectButtonLimits(rows);
    expect(rows.map((r) => r.components.length)).toEqual([5, 2, 5, 2, 5]);
    expect(buttonRows([])).toEqual([]);
    expect(buttonRows([[], []])).toEqual([]);
  });

  it('cuts labels to 80 characters (by character, not UTF-16 unit)', () => {
    const rows = buttonRows([[btn(1, { label: 'L'.repeat(200) }), btn(2, { label: '确认'.repeat(60) }), btn(3, { label: '😀'.repeat(90) })]]) as Row[];
    for (const b of rows[0]!.components) {
      expect(cp(b.label)).toBe(80);
      expect(b.label.endsWith('…')).toBe(true);
    }
  });

  it('refuses a button whose custom_id would be over 100 characters', () => {
    expect(() => buttonRows([[btn(1, { value: 'v'.repeat(100) })]])).toThrow(/custom_id/);
  });

  it('property: any set of rows stays within the component limits', () => {
    const action = fc.constantFrom<CardActionId>('claim', 'reply', 'progress', 'escalate', 'taskClaim', 'acknowledge');
    const button = fc.record({
      action,
      label: fc.string({ maxLength: 120 }),
      value: fc.stringMatching(/^[A-Z0-9:-]{1,60}$/),
      style: fc.constantFrom<'primary' | 'danger' | undefined>('primary', 'danger', undefined),
    }).map(({ style, ...b }): CardButton => (style ? { ...b, style } : b));
    fc.assert(
      fc.property(fc.array(fc.array(button, { maxLength: 12 }), { maxLength: 9 }), (rows) => {
        expectButtonLimits(buttonRows(rows) as Row[]);
      }),
    );
  });
});

// ------------------------------------------------------------------ messages

describe('cardMessage', () => {
  it('an ordinary card: embed with title, fields, footer, three rows of buttons; no mentions', () => {
    const card = ticketCard(state(), 'technical', ctx());
    const m = cardMessage(card);
    expectWithinLimits(m);
    const embed = m.embeds![0] as Embed & { color: number };
    expect(embed.title).toContain('AC-000123');
    expect(embed.description).toBe('The printer jams on every page.');
    expect(embed.fields!.map((f) => f.name)).toContain('Product');
    expect(embed.fields!.find((f) => f.name === 'Order')!.value).toBe('SO-2026-0001');
    expect(embed.color).toBe(0xef6c00);
    const ids = (m.components as Row[]).flatMap((r) => r.components.map((b) => b.custom_id));
    expect(ids).toContain('ac:claim:AC-000123');
    expect((m.components as Row[])[0]!.components[0]!.style).toBe(1);
  });

  it('a zh-CN card is in Chinese and within limits', () => {
    const m = cardMessage(ticketCard(state({ ticket: { flagged: true, complex: true } }), 'technical', ctx('zh-CN')));
    expectWithinLimits(m);
    expect(JSON.stringify(m.embeds)).toMatch(/[\u4e00-\u9fff]/);
  });

  it('hostile customer text at the API maxima: escaped, no live mention, every limit kept', () => {
    const s = state({
      ticket: { description: HOSTILE.repeat(200), product: '*'.repeat(200), orderNumber: '_'.repeat(100), flagged: true, complex: true },
      customer: { name: `${'@everyone '.repeat(19)}<@1>`.slice(0, 200), company: '|'.repeat(200) },
    });
    for (const limit of [1500, 10_000]) {
      const card = ticketCard(s, 'technical', ctx(), limit);
      const m = cardMessage(card);
      expectWithinLimits(m);
      expect(texts(m)).not.toMatch(MENTION);
      const embed = m.embeds![0] as Embed;
      expect(embed.description!.length).toBeLessThanOrEqual(3000);
      expect(embed.description!.endsWith('…')).toBe(true);
      expect(embed.fields!.find((f) => f.name === 'Product')!.value).toBe('\\*'.repeat(200));
      // The description was cut, so there is a "view full" button.
      expect((m.components as Row[]).flatMap((r) => r.components.map((b) => b.custom_id))).toContain('ac:viewFull:AC-000123');
    }
  });

  it('a closed ticket: only Reveal, the "done" colour', () => {
    const m = cardMessage(ticketCard(state({ ticket: { status: 'closed', ownerId: 'dave' } }), 'technical', ctx()));
    expectWithinLimits(m);
    expect((m.embeds![0] as { color: number }).color).toBe(0x607d8b);
    expect((m.components as Row[]).flatMap((r) => r.components.map((b) => b.custom_id))).toEqual(['ac:reveal:AC-000123']);
  });
});

describe('taskMessage, escalationMessage, sheetMessage, noticeMessage', () => {
  const tasks = [
    task({ id: 't1', departmentId: 'logistics', note: `${HOSTILE}\n`.repeat(60), role: 'explain_compensate' }),
    task({ id: 't2', departmentId: 'product', status: 'claimed', ownerId: 'frank', createdAt: at('2027-03-01T09:05:00Z') }),
    task({ id: 't3', departmentId: 'sales', status: 'done', outcome: 'x'.repeat(5000), createdAt: at('2027-03-01T09:10:00Z') }),
  ];
  const s = state({ ticket: { product: '_'.repeat(200) }, tasks });

  it('task cards: within limits, Claim/Done buttons as the task allows, no mentions', () => {
    for (const t of tasks) {
      for (const language of ['en', 'zh-CN']) {
        const m = taskMessage(taskCard(s, t, ctx(language)));
        expectWithinLimits(m);
        expect(texts(m)).not.toMatch(MENTION);
      }
    }
    const open = taskMessage(taskCard(s, tasks[0]!, ctx()));
    expect((open.components as Row[])[0]!.components.map((b) => [b.custom_id, b.style])).toEqual([
      ['ac:taskClaim:AC-000123:t1', 1],
      ['ac:taskDone:AC-000123:t1', 2],
    ]);
    expect(taskMessage(taskCard(s, tasks[2]!, ctx())).components).toEqual([]);
  });

  it('escalation posts: within limits, Acknowledge (danger) and Reassign only while open', () => {
    const reason = `${HOSTILE} `.repeat(40);
    const open = escalationMessage(escalationPost(s, escalation({ reason, trigger: 'keyword' }), ctx()));
    expectWithinLimits(open);
    expect(texts(open)).not.toMatch(MENTION);
    expect((open.components as Row[])[0]!.components.map((b) => [b.custom_id, b.style])).toEqual([
      ['ac:acknowledge:AC-000123:e1', 4],
      ['ac:reassign:AC-000123', 2],
    ]);
    expect((open.embeds![0] as Embed).footer!.text).toContain('1 Mar 2027, 18:15 UTC+8');
    const acked = escalationMessage(escalationPost(s, escalation({ status: 'acknowledged', acknowledgedBy: 'erin' }), ctx('zh-CN')));
    expectWithinLimits(acked);
    expect(acked.components).toEqual([]);
    expect((acked.embeds![0] as Embed).footer!.text).toContain('刘尔');
  });

  it('coordination sheet: within limits even with long notes and outcomes', () => {
    for (const language of ['en', 'zh-CN']) {
      const m = sheetMessage(coordinationSheet(s, ctx(language)));
      expectWithinLimits(m);
      expect(texts(m)).not.toMatch(MENTION);
      expect((m.embeds![0] as Embed).title).toContain('AC-000123');
    }
    const empty = sheetMessage(coordinationSheet(state(), ctx()));
    expectWithinLimits(empty);
    expect((empty.embeds![0] as Embed).description).toBe('—');
  });

  it('notices: text and quote escaped, a quote shown as "> " lines, buttons kept', () => {
    const m = noticeMessage('New message on AC-000123', 'line one\n@everyone line two', [{ action: 'reply', label: 'Reply', value: 'AC-000123', style: 'primary' }]);
    expectWithinLimits(m);
    expect(m.content).toBe('New message on AC-000123\n> line one\n> @\u200beveryone line two');
    expect((m.components as Row[])[0]!.components[0]!.custom_id).toBe('ac:reply:AC-000123');
    const long = noticeMessage(HOSTILE.repeat(20), HOSTILE.repeat(100), []);
    expectWithinLimits(long);
    expect(long.content).not.toMatch(MENTION);
    expect(long.components).toEqual([]);
  });

  // The "> " in front of every quoted line counts against the limit: a pasted log or many blank
  // lines must not push a message over 2000 characters (Discord would answer 400 and drop it).
  it('a quote of many short lines still fits in 2000 characters', () => {
    const m = noticeMessage('New message on AC-000123', Array.from({ length: 1000 }, () => 'ok').join('\n'), []);
    expect(m.content!.length).toBeLessThanOrEqual(2000);
  });
});

describe('timelineMessages', () => {
  const events: StoredEvent[] = [
    ev(1, 'ticket.created', { category: 'fault' }),
    ev(2, 'ticket.claimed', { owner: 'dave', department: 'technical' }, DAVE),
    ev(3, 'ticket.replied', { text: 'We are on it @everyone <@123>', staff: 'dave' }, DAVE),
    ev(4, 'customer.message', { text: '> not a quote\n# not a heading' }, CUSTOMER),
    ev(5, 'ticket.escalated', { level: 1, trigger: 'manual', reason: 'stuck' }, DAVE),
  ];

  it('one message for a short timeline, entries in order, quotes escaped, no mentions', () => {
    const msgs = timelineMessages(timelineEntries(events, 0, ctx()));
    expect(msgs).toHaveLength(1);
    const m = msgs[0]!;
    expectWithinLimits(m);
    expect(m.embeds).toBeUndefined();
    expect(m.content).not.toMatch(MENTION);
    expect(m.content).toContain('> We are on it @\u200beveryone <\u200b@123>');
    expect(m.content).toContain('> \\> not a quote\n> \\# not a heading');
    const claimed = m.content!.indexOf('claimed the ticket');
    expect(claimed).toBeGreaterThan(-1);
    expect(m.content!.indexOf('We are on it')).toBeGreaterThan(claimed);
  });

  it('nothing to say → no message', () => {
    expect(timelineMessages([])).toEqual([]);
    expect(timelineMessages(timelineEntries(events, 5, ctx()))).toEqual([]);
  });

  it('splits into several messages of at most 2000 characters, losing no entry', () => {
    const long = Array.from({ length: 12 }, (_, i) =>
      ev(10 + i, i % 2 ? 'customer.message' : 'ticket.replied', { text: `#${i} ${'*word* '.repeat(150)}` }, i % 2 ? CUSTOMER : DAVE),
    );
    const entries = timelineEntries(long, 0, ctx());
    expect(entries).toHaveLength(12);
    const msgs = timelineMessages(entries);
    expect(msgs.length).toBeGreaterThan(1);
    for (const m of msgs) expectWithinLimits(m);
    const all = msgs.map((m) => m.content).join('\n');
    for (let i = 0; i < 12; i++) expect(all).toContain(`\\#${i} `);
    // In order, each exactly once.
    const order = [...all.matchAll(/> \\#(\d+) /g)].map((x) => Number(x[1]));
    expect(order).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('zh-CN timeline within limits too', () => {
    const msgs = timelineMessages(timelineEntries([...events, ev(6, 'ticket.replied', { text: '好的'.repeat(1200) }, DAVE)], 0, ctx('zh-CN')));
    expect(msgs.length).toBeGreaterThanOrEqual(1);
    for (const m of msgs) expectWithinLimits(m);
  });

  // Likewise for one timeline entry quoting many short lines.
  it('an entry quoting many short lines still fits in 2000 characters', () => {
    const text = Array.from({ length: 1000 }, () => 'ok').join('\n');
    const msgs = timelineMessages(timelineEntries([ev(1, 'customer.message', { text }, CUSTOMER)], 0, ctx()));
    for (const m of msgs) expect(m.content!.length).toBeLessThanOrEqual(2000);
  });
});

// ------------------------------------------------------------------ request signatures

describe('verifyDiscordSignature / ed25519PublicKey', () => {
  const pair = generateKeyPairSync('ed25519');
  const rawHex = (k: KeyObject) => k.export({ format: 'der', type: 'spki' }).subarray(12).toString('hex');
  const hex = rawHex(pair.publicKey);
  const key = ed25519PublicKey(hex);
  const body = Buffer.from(JSON.stringify({ id: '1', type: 1, token: 't', version: 1 }));
  const timestamp = '1767225600';
  const signed = (ts: string, b: Buffer, k = pair.privateKey) => sign(null, Buffer.concat([Buffer.from(ts), b]), k).toString('hex');

  it('builds the same key as the raw 32 bytes the Developer Portal shows', () => {
    expect(hex).toHaveLength(64);
    expect(key.asymmetricKeyType).toBe('ed25519');
    expect(rawHex(key)).toBe(hex);
    expect(() => ed25519PublicKey('abcd')).toThrow();
  });

  it('accepts a valid signature (hex in either case)', () => {
    const sig = signed(timestamp, body);
    expect(verifyDiscordSignature(key, sig, timestamp, body)).toBe(true);
    expect(verifyDiscordSignature(key, sig.toUpperCase(), timestamp, body)).toBe(true);
  });

  it('rejects a wrong body, a wrong timestamp, a wrong key', () => {
    const sig = signed(timestamp, body);
    expect(verifyDiscordSignature(key, sig, timestamp, Buffer.from(`${body.toString()} `))).toBe(false);
    expect(verifyDiscordSignature(key, sig, '1767225601', body)).toBe(false);
    const other = generateKeyPairSync('ed25519');
    expect(verifyDiscordSignature(ed25519PublicKey(rawHex(other.publicKey)), sig, timestamp, body)).toBe(false);
    expect(verifyDiscordSignature(key, signed(timestamp, body, other.privateKey), timestamp, body)).toBe(false);
  });

  it('rejects malformed signatures and an empty timestamp', () => {
    const sig = signed(timestamp, body);
    for (const bad of ['', 'zz'.repeat(64), sig.slice(0, 126), `${sig}00`, `${sig.slice(0, 127)}g`, ` ${sig.slice(1)}`]) {
      expect(verifyDiscordSignature(key, bad, timestamp, body)).toBe(false);
    }
    // Even a signature that is right for an empty timestamp.
    expect(verifyDiscordSignature(key, signed('', body), '', body)).toBe(false);
    // A flipped bit.
    const flipped = Buffer.from(sig, 'hex');
    flipped[10] = flipped[10]! ^ 1;
    expect(verifyDiscordSignature(key, flipped.toString('hex'), timestamp, body)).toBe(false);
  });
});

// ------------------------------------------------------------------ REST failures

describe('classifyDiscordError', () => {
  const URL_ = 'https://discord.com/api/v10/channels/1/messages';
  const apiError = (status: number, code: number, message: string) => new DiscordAPIError({ code, message }, code, status, 'POST', URL_, { body: { content: 'x' } });
  const rateLimit = (over: Partial<RateLimitData> = {}) =>
    new RateLimitError({
      timeToReset: 12_000,
      limit: 5,
      method: 'POST',
      hash: 'abc',
      url: URL_,
      route: '/channels/:id/messages',
      majorParameter: '1',
      global: false,
      retryAfter: 12_000,
      sublimitTimeout: 0,
      scope: 'user',
      ...over,
    });

  it('a rate limit the REST queue would not wait out → retry after its retry_after', () => {
    expect(classifyDiscordError(rateLimit())).toMatchObject({ status: 'retry', afterMs: 12_000, error: expect.stringContaining('429') });
    expect(classifyDiscordError(rateLimit({ retryAfter: 0 }))).toMatchObject({ status: 'retry', afterMs: 1 });
  });

  it('a 429 that comes back as an API error → retry after a second', () => {
    expect(classifyDiscordError(apiError(429, 0, 'You are being rate limited.'))).toMatchObject({ status: 'retry', afterMs: 1000 });
  });

  it('5xx → retry', () => {
    for (const status of [500, 502, 503, 504]) {
      expect(classifyDiscordError(apiError(status, 0, 'Internal Server Error'))).toMatchObject({ status: 'retry', error: expect.stringContaining(String(status)) });
    }
    expect(classifyDiscordError(new HTTPError(503, 'Service Unavailable', 'POST', URL_, {})).status).toBe('retry');
  });

  it('errors that trying again will not fix → failed', () => {
    const cases: [number, number, string][] = [
      [404, 10003, 'Unknown Channel'],
      [403, 50013, 'Missing Permissions'],
      [403, 50001, 'Missing Access'],
      [400, 50035, 'Invalid Form Body'],
      [404, 10008, 'Unknown Message'],
      [401, 0, '401: Unauthorized'],
    ];
    for (const [status, code, message] of cases) {
      expect(classifyDiscordError(apiError(status, code, message)), message).toMatchObject({ status: 'failed', error: expect.stringContaining(`(${code})`) });
    }
  });

  it('network failures → retry', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    expect(classifyDiscordError(refused)).toEqual({ status: 'retry', error: 'discord: fetch failed' });
    const aborted = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
    expect(classifyDiscordError(aborted).status).toBe('retry');
    expect(classifyDiscordError('socket hang up')).toEqual({ status: 'retry', error: 'discord: socket hang up' });
  });

  it('the surface: isGone only for Unknown Message, classify delegates', () => {
    const surface = new DiscordSurface({ rest: new REST() });
    expect(surface.isGone(apiError(404, 10008, 'Unknown Message'))).toBe(true);
    expect(surface.isGone(apiError(404, 10003, 'Unknown Channel'))).toBe(false);
    expect(surface.isGone(new Error('x'))).toBe(false);
    expect(surface.classify(apiError(403, 50013, 'Missing Permissions')).status).toBe('failed');
  });
});
