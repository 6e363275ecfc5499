/**
 * The staff forms' rules, platform-neutral: what each form asks, and how what was typed becomes a
 * command (the HTTP API's limits), or per-field errors in the staff member's language.
 */
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../../src/app/command-schema.js';
import { buildForm, FORM_KINDS, parseForm, type FormKind, type FormValues } from '../../../src/app/desk/forms.js';
import { directory, state } from '../../helpers/ticket-fixtures.js';

const ctx = (language = 'en') => ({ directory, language, timeZone: 'Asia/Shanghai' });
const parse = (kind: FormKind, values: FormValues, language = 'en') => {
  const c = ctx(language);
  return parseForm(buildForm(kind, c, kind === 'new' ? undefined : state({ ticket: { ownerId: 'dave' } })), values, c);
};

describe('buildForm', () => {
  it('declares every form with unique field ids, labels in both languages and options for every choice', () => {
    for (const language of ['en', 'zh-CN']) {
      for (const kind of FORM_KINDS) {
        const form = buildForm(kind, ctx(language), kind === 'new' ? undefined : state({ ticket: { ownerId: 'dave' } }));
        expect(form.fields.length, kind).toBeGreaterThan(0);
        expect(form.fields.length, `${kind}: Discord takes five components`).toBeLessThanOrEqual(5);
        expect(new Set(form.fields.map((f) => f.id)).size).toBe(form.fields.length);
        for (const f of form.fields) {
          expect(f.label.trim(), `${kind}.${f.id}`).not.toBe('');
          if (f.kind === 'select' || f.kind === 'check') expect(f.options?.length, `${kind}.${f.id}`).toBeGreaterThan(0);
        }
      }
    }
    expect(buildForm('reply', ctx('zh-CN'), state()).title).not.toBe(buildForm('reply', ctx('en'), state()).title);
  });

  it('takes the limits of the HTTP API, and names the time zone typed times are read in', () => {
    const reply = buildForm('reply', ctx(), state());
    expect(reply.fields.find((f) => f.id === 'text')?.maxLength).toBe(LIMITS.message);
    const resolve = buildForm('resolve', ctx(), state());
    expect(resolve.fields.find((f) => f.id === 'cause')?.maxLength).toBe(LIMITS.cause);
    expect(buildForm('delay', ctx(), state()).fields.find((f) => f.id === 'eta')?.hint).toContain('Asia/Shanghai');
  });

  it("offers reassignment to staff of the ticket's departments and tasks, except the owner", () => {
    const people = buildForm('reassign', ctx(), state({ ticket: { ownerId: 'dave' } })).fields.find((f) => f.id === 'assignee')!;
    expect(people.options!.map((o) => o.value)).not.toContain('dave');
    expect(people.options!.map((o) => o.value)).toContain('erin');
  });
});

describe('parseForm', () => {
  it('reply: the text, and whether to wait for the customer', () => {
    expect(parse('reply', { text: '  On our way  ', wait: 'yes' })).toEqual({ ok: true, command: { type: 'reply', text: 'On our way', waitForCustomer: true } });
    expect(parse('reply', { text: 'Hi' })).toEqual({ ok: true, command: { type: 'reply', text: 'Hi' } });
    expect(parse('reply', {})).toEqual({ ok: false, errors: { text: 'is required' } });
    expect(parse('reply', {}, 'zh-CN')).toEqual({ ok: false, errors: { text: '为必填项' } });
  });

  it('refuses text over the limit, naming it', () => {
    const long = 'x'.repeat(LIMITS.message + 1);
    expect(parse('reply', { text: long })).toEqual({ ok: false, errors: { text: `must be at most ${LIMITS.message} characters` } });
    expect(parse('resolve', { measures: 'm', advice: 'a', cause: 'c'.repeat(LIMITS.cause + 1), time_needed: '1 h', estimated_cost: '0' }, 'zh-CN')).toEqual({
      ok: false,
      errors: { cause: `最多 ${LIMITS.cause} 个字符` },
    });
  });

  it('progress: preset, text, ETA (typed in the department’s zone) and flags; some content required', () => {
    expect(parse('progress', { preset: 'parts-ready', text: 'Fitting tomorrow', eta: '2027-03-02 17:00', complex: 'yes' })).toEqual({
      ok: true,
      command: { type: 'progress', preset: 'parts-ready', text: 'Fitting tomorrow', eta: new Date('2027-03-02T09:00:00Z'), complex: true },
    });
    expect(parse('progress', {})).toEqual({ ok: false, errors: { text: 'is required' } });
    expect(parse('progress', { preset: 'teleport' })).toEqual({ ok: false, errors: { preset: 'must be one of the choices offered' } });
    expect(parse('progress', { text: 'soon', eta: 'next tuesday' })).toEqual({ ok: false, errors: { eta: 'must be a date and time such as 2027-03-01 14:00' } });
  });

  it('resolve: a diagnosis is given whole or not at all', () => {
    expect(parse('resolve', { measures: 'Replaced the roller', advice: 'Use 80 g paper' })).toEqual({
      ok: true,
      command: { type: 'resolve', measures: 'Replaced the roller', advice: 'Use 80 g paper' },
    });
    expect(parse('resolve', { measures: 'Replaced the roller', advice: 'Use 80 g paper', cause: 'Worn roller' })).toEqual({
      ok: false,
      errors: { time_needed: 'is required', estimated_cost: 'is required' },
    });
  });

  it('involve, reassign, reclassify: only the options offered', () => {
    expect(parse('involve', { department: 'logistics', role: 'explain_compensate', note: 'courier lost it' })).toEqual({
      ok: true,
      command: { type: 'involve', department: 'logistics', role: 'explain_compensate', note: 'courier lost it' },
    });
    expect(parse('involve', { department: 'marketing' })).toEqual({ ok: false, errors: { department: 'must be one of the choices offered', role: 'is required' } });
    expect(parse('reassign', { assignee: 'dave' })).toEqual({ ok: false, errors: { assignee: 'must be one of the choices offered' } });
    expect(parse('reclassify', {})).toEqual({ ok: false, errors: { category: 'is required' } });
    expect(parse('reclassify', { severity: 'critical' })).toEqual({ ok: true, command: { type: 'reclassify', severity: 'critical' } });
  });

  it('delay: a reason and a valid ETA', () => {
    expect(parse('delay', { reason: 'Parts delayed', eta: '2027-03-05T12:00:00.000Z' })).toEqual({
      ok: true,
      command: { type: 'delay', reason: 'Parts delayed', eta: new Date('2027-03-05T12:00:00Z') },
    });
    expect(parse('delay', {})).toEqual({ ok: false, errors: { reason: 'is required', eta: 'is required' } });
  });

  it('new: one contact field, read as an e-mail or a phone number and checked as such', () => {
    const base = { name: 'Li Lei', product: 'X200 printer', description: 'Jams on every page' };
    expect(parse('new', { ...base, contact: 'lilei@example.com' })).toEqual({
      ok: true,
      create: { name: 'Li Lei', email: 'lilei@example.com', product: 'X200 printer', description: 'Jams on every page' },
    });
    expect(parse('new', { ...base, contact: '+86 138 0013 8000', order: 'SO-9' })).toEqual({
      ok: true,
      create: { name: 'Li Lei', phone: '+86 138 0013 8000', product: 'X200 printer', orderNumber: 'SO-9', description: 'Jams on every page' },
    });
    expect(parse('new', { ...base, contact: 'li@' })).toEqual({ ok: false, errors: { contact: 'must be an e-mail address such as name@example.com' } });
    expect(parse('new', { ...base, contact: 'call me' }, 'zh-CN')).toEqual({ ok: false, errors: { contact: '请填写电话号码，例如 +86 138 0013 8000' } });
    expect(parse('new', {})).toEqual({ ok: false, errors: { name: 'is required', product: 'is required', description: 'is required' } });
  });
});
