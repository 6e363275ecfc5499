import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cardBlocks, escapeSlack, plain, timelineBlocks, type Block } from '../../../../adapters/slack/blocks.js';
import { formView, submittedValues, viewStateValues, type ModalMeta, type ViewStateValues } from '../../../../adapters/slack/forms.js';
import { COORDINATION_ROLES } from '../../../../src/app/act-on-ticket.js';
import { buildForm, FORM_KINDS, type FormKind } from '../../../../src/app/desk/forms.js';
import type { TicketState } from '../../../../src/app/ports.js';
import { ticketCard, type TicketCard } from '../../../../src/app/desk/card.js';
import { type TimelineEntry } from '../../../../src/app/desk/timeline.js';
import { parseWhen } from '../../../../src/app/desk/view-context.js';
import { state as baseState, directory, NOW, task } from '../../../helpers/ticket-fixtures.js';

const KINDS = FORM_KINDS;
const buildModal = (kind: FormKind, ctx: { language: string }, meta: ModalMeta, s?: TicketState) =>
  formView(buildForm(kind, { directory, language: ctx.language, timeZone: 'Asia/Shanghai' }, s), { c: meta.c });
const field = (values: ViewStateValues, id: string) => submittedValues(values)[id];

type TextObject = { type: string; text: string };

/** Every text object (plain_text or mrkdwn) anywhere in `value`. */
function texts(value: unknown): TextObject[] {
  if (Array.isArray(value)) return value.flatMap(texts);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const own = (o.type === 'plain_text' || o.type === 'mrkdwn') && typeof o.text === 'string' ? [o as TextObject] : [];
    return [...own, ...Object.values(o).flatMap(texts)];
  }
  return [];
}

/** Blocks (or nested elements) of `type` anywhere in `value`. */
function ofType(value: unknown, type: string): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap((v) => ofType(v, type));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return [...(o.type === type ? [o] : []), ...Object.values(o).flatMap((v) => ofType(v, type))];
  }
  return [];
}

function state(over: { description?: string; ownerId?: string | null; customerName?: string } = {}): TicketState {
  return baseState({
    ticket: { ownerId: over.ownerId ?? null, description: over.description ?? 'The printer jams.', createdAt: NOW, updatedAt: NOW },
    customer: { name: over.customerName ?? 'Li Lei', company: null, email: null, language: 'en' },
    clocks: [],
    tasks: [task({ id: 't1', departmentId: 'logistics', role: 'other', createdBy: 'dave', createdAt: NOW, updatedAt: NOW })],
  });
}

describe('bidi controls in customer text', () => {
  it('never reach a Slack card or a Discord embed', async () => {
    const { cardMessage } = await import('../../../../adapters/discord/render.js');
    const card = ticketCard(state({ customerName: 'Li \u202Eiel\u202C', description: 'invoice\u202Egpj.exe \u2066x\u2069 \u200Fy' }), 'technical', { directory, language: 'en', now: NOW });
    const slack = JSON.stringify(cardBlocks(card));
    const discord = JSON.stringify(cardMessage(card));
    for (const rendered of [slack, discord]) {
      expect(rendered).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200E\u200F]/);
      expect(rendered).toContain('invoicegpj.exe');
    }
  });
});

describe('escapeSlack', () => {
  it('escapes &, < and > only, & first so entities are not double-read', () => {
    expect(escapeSlack(`a & b <c> "d" 'e' *f* _g_ ~h~ \`i\``)).toBe(`a &amp; b &lt;c&gt; "d" 'e' *f* _g_ ~h~ \`i\``);
    expect(escapeSlack('&lt;!channel&gt;')).toBe('&amp;lt;!channel&amp;gt;');
    expect(escapeSlack('<!channel> <@U1>')).toBe('&lt;!channel&gt; &lt;@U1&gt;');
  });
});

describe('plain', () => {
  it('makes an escaped plain_text object, never empty', () => {
    expect(plain('short & sweet', 75)).toEqual({ type: 'plain_text', text: 'short &amp; sweet', emoji: true });
    expect(plain('')).toEqual({ type: 'plain_text', text: ' ', emoji: true });
  });

  it('cuts long text to the limit, marking the cut', () => {
    const p = plain('x'.repeat(100), 75);
    expect(p.text).toHaveLength(75);
    expect(p.text.endsWith('…')).toBe(true);
  });

  it('stays within the limit after escaping, without splitting an entity', () => {
    const p = plain('<'.repeat(3000));
    expect(p.text.length).toBeLessThanOrEqual(3000);
    expect(p.text.length).toBeGreaterThan(2000);
    expect(p.text).toMatch(/^(&lt;)+…$/);
  });

  it('never exceeds the limit nor lets a raw control character through (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('<', '>', '&', 'a', ' ', '😀', '售'), maxLength: 400 }), fc.integer({ min: 24, max: 300 }), (s, limit) => {
        const { text } = plain(s, limit);
        expect(text.length).toBeLessThanOrEqual(limit);
        expect(text).not.toMatch(/[<>]/);
        expect(text.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
      }),
    );
  });
});

describe('cardBlocks', () => {
  it('keeps every Block Kit limit even for absurd cards', () => {
    const huge = '<&>'.repeat(4000);
    const card: TicketCard = {
      ticketId: 't',
      number: 'AC-000123',
      title: huge,
      subtitle: huge,
      fields: Array.from({ length: 14 }, (_, i) => ({ label: `L${i}${huge}`, value: huge })),
      description: huge,
      descriptionTruncated: true,
      notes: [huge, huge],
      deadline: huge,
      overdue: true,
      severity: 'critical',
      done: false,
      buttons: [
        Array.from({ length: 5 }, () => ({ action: 'reply' as const, label: huge, value: 'AC-000123' })),
        [{ action: 'claim', label: huge, value: 'AC-000123', style: 'primary' }],
      ],
      fallback: huge,
    };
    const blocks = cardBlocks(card);
    expect(blocks.length).toBeLessThanOrEqual(50);
    const header = blocks.find((b) => b.type === 'header') as unknown as { text: TextObject };
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    const buttons = ofType(blocks, 'button') as unknown as { text: TextObject; value: string }[];
    expect(buttons).toHaveLength(6);
    for (const b of buttons) {
      expect(b.text.text.length).toBeLessThanOrEqual(75);
      expect(b.value.length).toBeLessThanOrEqual(2000);
    }
    for (const s of blocks.filter((b) => b.type === 'section') as { text?: TextObject; fields?: TextObject[] }[]) {
      if (s.text) expect(s.text.text.length).toBeLessThanOrEqual(3000);
      if (s.fields) {
        expect(s.fields.length).toBeLessThanOrEqual(10);
        for (const f of s.fields) expect(f.text.length).toBeLessThanOrEqual(2000);
      }
    }
    for (const t of texts(blocks)) expect(t.text).not.toMatch(/[<>]/);
  });

  it('renders a real card: buttons carry the action and the ticket number', () => {
    const blocks = cardBlocks(ticketCard(state(), 'technical', { directory, now: NOW, language: 'en' }));
    expect(blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text', text: '🟠 AC-000123 · Fault · Urgent' } });
    const rows = blocks.filter((b) => b.type === 'actions');
    expect(rows.map((r) => r.block_id)).toEqual(['card-0', 'card-1', 'card-2']);
    const first = ofType(rows[0], 'button')[0]!;
    expect(first).toMatchObject({ action_id: 'ac:claim', value: 'AC-000123', style: 'primary', text: { text: 'Claim' } });
  });

  it('shows customer text only escaped, as plain_text — no mention, link or formatting', () => {
    const description = 'Hi <!channel> and <@U1>, see <https://evil.example|here> *bold* & more';
    const blocks: Block[] = cardBlocks(ticketCard(state({ description, customerName: '<!here> Bob' }), 'technical', { directory, now: NOW, language: 'en' }));
    const all = texts(blocks);
    expect(all.every((t) => t.type === 'plain_text')).toBe(true);
    const desc = all.find((t) => t.text.includes('bold'))!;
    expect(desc.text).toBe('Hi &lt;!channel&gt; and &lt;@U1&gt;, see &lt;https://evil.example|here&gt; *bold* &amp; more');
    const json = JSON.stringify(blocks);
    for (const raw of ['<!channel>', '<@U1>', '<!here>', '<https://']) expect(json).not.toContain(raw);
    expect(all.some((t) => t.text.includes('&lt;!here&gt; Bob'))).toBe(true);
  });
});

describe('timelineBlocks', () => {
  it('splits the entries into messages of at most 50 blocks, in order, losing none', () => {
    const entries: TimelineEntry[] = Array.from({ length: 60 }, (_, i) => ({ seq: i + 1, headline: `entry ${i + 1}`, quote: `said ${i + 1}` }));
    entries.push({ seq: 61, headline: 'entry 61' });
    const messages = timelineBlocks(entries);
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) {
      expect(m.length).toBeGreaterThan(0);
      expect(m.length).toBeLessThanOrEqual(50);
    }
    const flat = messages.flat();
    expect(flat).toHaveLength(121);
    const headlines = flat.filter((b) => b.type === 'context').map((b) => texts(b)[0]!.text);
    expect(headlines).toEqual(entries.map((e) => e.headline));
    // A headline and its quote stay in the same message.
    for (const m of messages) expect(m[0]!.type).toBe('context');
  });

  it('returns no message for no entries, and escapes and bounds quotes', () => {
    expect(timelineBlocks([])).toEqual([]);
    const [m] = timelineBlocks([{ seq: 1, headline: 'Customer wrote:', quote: `<!channel> ${'x'.repeat(5000)}` }]);
    expect(m).toHaveLength(2);
    const quote = (m![1] as unknown as { text: TextObject }).text;
    expect(quote.type).toBe('plain_text');
    expect(quote.text.startsWith('&lt;!channel&gt; ')).toBe(true);
    expect(quote.text.length).toBeLessThanOrEqual(3000);
  });
});

describe('formView', () => {
  const meta: ModalMeta = { n: 'AC-000123', c: 'C0123456789' };

  for (const language of ['en', 'zh-CN']) {
    it(`builds every form within Slack's limits (${language})`, () => {
      for (const kind of KINDS) {
        const m = kind === 'new' ? { c: 'C0123456789' } : meta;
        const view = buildModal(kind, { language }, m, kind === 'new' ? undefined : state({ ownerId: 'dave' }));
        expect(view.type).toBe('modal');
        expect(view.callback_id).toBe(`ac:${kind}`);
        expect(view.title.text.length, kind).toBeLessThanOrEqual(24);
        expect(view.title.text.trim(), kind).not.toBe('');
        expect(view.submit!.text.length).toBeLessThanOrEqual(24);
        expect(view.close.text.length).toBeLessThanOrEqual(24);
        expect(view.private_metadata.length).toBeLessThanOrEqual(3000);
        expect(JSON.parse(view.private_metadata)).toEqual(m);
        expect(view.blocks.length).toBeLessThanOrEqual(100);
        const inputs = view.blocks.filter((b) => b.type === 'input') as unknown as { block_id?: string; element: { action_id?: string; options?: unknown[] } }[];
        expect(inputs.length, kind).toBeGreaterThan(0);
        for (const i of inputs) {
          expect(i.block_id, kind).toMatch(/^[a-z_]+$/);
          expect(i.element.action_id, kind).toBe('value');
          if (i.element.options) expect(i.element.options.length, `${kind}.${i.block_id}`).toBeGreaterThan(0);
        }
        expect(new Set(inputs.map((i) => i.block_id)).size).toBe(inputs.length);
        if (kind === 'new') expect(view.blocks[0]!.type).toBe('input');
        else expect(texts(view.blocks[0])[0]!.text).toBe('AC-000123');
      }
    });
  }

  const inputsOf = (kind: FormKind, s: TicketState | undefined = kind === 'new' ? undefined : state(), language = 'en') =>
    new Map(
      (buildModal(kind, { language }, meta, s).blocks.filter((b) => b.type === 'input') as unknown as { block_id: string; optional: boolean; element: Record<string, unknown> }[]).map((b) => [
        b.block_id,
        b,
      ]),
    );
  const optionValues = (el: Record<string, unknown>) => (el.options as { value: string }[]).map((o) => o.value);

  it('asks for what each command needs, marking only optional inputs optional', () => {
    expect([...inputsOf('reply').entries()].map(([id, b]) => [id, b.optional])).toEqual([
      ['text', false],
      ['wait', true],
    ]);
    const delay = inputsOf('delay');
    expect(delay.get('eta')!.optional).toBe(false);
    expect(delay.get('eta')!.element.type).toBe('datetimepicker');
    expect(delay.get('reason')!.optional).toBe(false);
    expect([...inputsOf('resolve').entries()].filter(([, b]) => !b.optional).map(([id]) => id)).toEqual(['measures', 'advice']);
    expect([...inputsOf('new').entries()].filter(([, b]) => !b.optional).map(([id]) => id)).toEqual(['name', 'product', 'description']);
    expect([...inputsOf('new').keys()]).toEqual(['name', 'contact', 'product', 'order', 'description']);
  });

  it('offers the configured presets, departments and roles', () => {
    expect(optionValues(inputsOf('progress').get('preset')!.element)).toEqual(['investigating', 'parts-ready', 'on-the-way', 'debugging']);
    const involve = inputsOf('involve', undefined, 'zh-CN');
    expect(optionValues(involve.get('department')!.element)).toEqual(directory.departments().map((d) => d.id));
    expect(texts(involve.get('department')!.element)[0]!.text).toBe('客服组');
    expect(optionValues(involve.get('role')!.element)).toEqual([...COORDINATION_ROLES]);
  });

  it("offers reassignment to staff of the ticket's departments and tasks, except the owner", () => {
    const people = inputsOf('reassign', state({ ownerId: 'dave' })).get('assignee')!.element;
    expect(optionValues(people)).toEqual(['erin', 'heidi', 'ivan']);
    expect(texts(people).map((t) => t.text)).toContain('Heidi Sun (Logistics)');
  });

  it('preselects the current classification when correcting it', () => {
    const s = state();
    s.ticket.category = 'complaint';
    s.ticket.severity = 'critical';
    const form = inputsOf('reclassify', s);
    expect(form.get('category')!.element.initial_option).toMatchObject({ value: 'complaint' });
    expect(form.get('severity')!.element.initial_option).toMatchObject({ value: 'critical' });
  });
});

// Slack's view.state.values, element by element.
const txt = (value: string | null) => ({ value: { type: 'plain_text_input', value } });
const sel = (value: string | null) => ({ value: { type: 'static_select', selected_option: value === null ? null : { text: { type: 'plain_text', text: value }, value } } });
const chk = (...values: string[]) => ({ value: { type: 'checkboxes', selected_options: values.map((v) => ({ value: v })) } });
const dt = (iso: string) => ({ value: { type: 'datetimepicker', selected_date_time: Date.parse(iso) / 1000 } });

describe('submittedValues', () => {
  it('reads text inputs trimmed, blank or missing as undefined', () => {
    const v: ViewStateValues = { a: txt('  hello  '), b: txt('   '), c: txt(null) };
    expect(field(v, 'a')).toBe('hello');
    expect(field(v, 'b')).toBeUndefined();
    expect(field(v, 'c')).toBeUndefined();
    expect(field(v, 'nope')).toBeUndefined();
  });

  it('reads selects, checkboxes and date-time pickers', () => {
    const v: ViewStateValues = {
      s: sel('logistics'),
      s0: sel(null),
      c1: chk('yes'),
      c2: chk('a', 'b'),
      c0: chk(),
      d: dt('2027-03-01T14:00:30Z'),
      dp: { value: { type: 'datepicker', selected_date: '2027-03-01' } },
      other: { not_value: { type: 'plain_text_input', value: 'read anyway' } },
    };
    expect(field(v, 's')).toBe('logistics');
    expect(field(v, 's0')).toBeUndefined();
    expect(field(v, 'c1')).toBe('yes');
    expect(field(v, 'c2')).toBe('a,b');
    expect(field(v, 'c0')).toBeUndefined();
    expect(field(v, 'd')).toBe('2027-03-01T14:00:30.000Z');
    expect(field(v, 'dp')).toBe('2027-03-01T00:00:00Z');
    expect(field(v, 'other')).toBe('read anyway');
  });

  it('accepts the state Slack sends', () => {
    const raw = {
      text: { value: { type: 'plain_text_input', value: 'Hi' } },
      eta: { value: { type: 'datetimepicker', selected_date_time: 1_803_996_000 } },
      wait: { value: { type: 'checkboxes', selected_options: [{ text: { type: 'plain_text', text: 'Wait' }, value: 'yes' }] } },
    };
    const values = viewStateValues.parse(raw);
    expect(field(values, 'eta')).toBe(new Date(1_803_996_000_000).toISOString());
    expect(field(values, 'wait')).toBe('yes');
  });
});

describe('parseWhen', () => {
  it('reads UTC by default, seconds, Z and UTC, and explicit offsets', () => {
    expect(parseWhen('2027-03-01 14:00')?.toISOString()).toBe('2027-03-01T14:00:00.000Z');
    expect(parseWhen('  2027-03-01T14:00  ')?.toISOString()).toBe('2027-03-01T14:00:00.000Z');
    expect(parseWhen('2027-03-01T14:00:30Z')?.toISOString()).toBe('2027-03-01T14:00:30.000Z');
    expect(parseWhen('2027-03-01T14:00:30.000Z')?.toISOString()).toBe('2027-03-01T14:00:30.000Z');
    expect(parseWhen('2027-03-01 14:00 UTC')?.toISOString()).toBe('2027-03-01T14:00:00.000Z');
    expect(parseWhen('2027-03-01 14:00 +08:00')?.toISOString()).toBe('2027-03-01T06:00:00.000Z');
    expect(parseWhen('2027-03-01 14:00 -05:00')?.toISOString()).toBe('2027-03-01T19:00:00.000Z');
  });

  it('refuses anything else', () => {
    for (const s of ['garbage', '', 'tomorrow 14:00', '2027-03-01', '14:00', '2027-3-1 14:00', '2027-13-01 14:00', '2027-03-01 25:00', '2027-03-01 14:00 PST'])
      expect(parseWhen(s), s).toBeUndefined();
  });
});

describe('edge cases', () => {
  it('rejects calendar dates that do not exist instead of rolling them over', () => {
    expect(parseWhen('2027-02-30 14:00')).toBeUndefined();
    expect(parseWhen('2028-02-29 14:00')?.toISOString()).toBe('2028-02-29T14:00:00.000Z');
  });

  it('keeps as much text as fits once escaped, even for short limits', () => {
    const cut = plain('Tom & Jerry & Co. Ltd. AB', 24).text;
    expect(cut.length).toBeLessThanOrEqual(24);
    expect(cut).toBe('Tom &amp; Jerry &amp; C…');
    expect(plain('&', 4).text).toBe('…');
    const long = plain(`${'a'.repeat(2990)}<<<<`, 3000).text;
    expect(long.length).toBeLessThanOrEqual(3000);
    expect(long.length).toBeGreaterThan(2990);
  });
});
