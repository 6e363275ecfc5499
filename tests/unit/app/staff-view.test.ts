import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/app/ports.js';
import { byDeadline, ticketCard, type CardButton } from '../../../src/app/desk/card.js';
import { coordinationSheet, taskCard } from '../../../src/app/desk/coordination.js';
import { escalationPost } from '../../../src/app/desk/escalation-post.js';
import { explainError } from '../../../src/app/desk/explain-error.js';
import { staffNotice } from '../../../src/app/desk/notices.js';
import { timelineEntries } from '../../../src/app/desk/timeline.js';
import { departmentName, deadlineText, nextDeadline, parseWhen, ticketTimeZone, truncate } from '../../../src/app/desk/view-context.js';
import { AftercareError, ConflictError, ErrorCode, IllegalTransitionError, NotFoundError, ValidationError } from '../../../src/core/errors.js';
import { assertCan, type Capability, type TicketAccess } from '../../../src/core/permissions.js';
import type { StaffMember } from '../../../src/core/types.js';
import { at, clock, ctx, directory, escalation, eventMaker, NOW, paused, running, state, task } from '../../helpers/ticket-fixtures.js';


function staff(id: string): StaffMember {
  const s = directory.staff(id);
  if (!s) throw new Error(`example config has no staff ${id}`);
  return s;
}

const actions = (rows: CardButton[][]) => rows.map((r) => r.map((b) => b.action));

describe('ticketTimeZone', () => {
  it('is the zone of the primary department’s calendar, UTC for a department without one', () => {
    expect(ticketTimeZone(state(), directory)).toBe('Asia/Shanghai');
    expect(ticketTimeZone(state({ ticket: { primaryDepartmentId: 'nowhere' } }), directory)).toBe('UTC');
  });
});

describe('parseWhen in a time zone', () => {
  it('reads a time without a zone as wall-clock time in the given zone', () => {
    expect(parseWhen('2027-03-01 22:00', 'Asia/Shanghai')?.toISOString()).toBe('2027-03-01T14:00:00.000Z');
    expect(parseWhen('2027-01-15 09:00', 'Europe/Berlin')?.toISOString()).toBe('2027-01-15T08:00:00.000Z');
    expect(parseWhen('2027-07-15 09:00', 'Europe/Berlin')?.toISOString()).toBe('2027-07-15T07:00:00.000Z');
    expect(parseWhen('2027-03-01 14:00')?.toISOString()).toBe('2027-03-01T14:00:00.000Z');
  });

  it('lets an explicit zone or offset win over the department’s', () => {
    expect(parseWhen('2027-03-01 14:00 UTC', 'Asia/Shanghai')?.toISOString()).toBe('2027-03-01T14:00:00.000Z');
    expect(parseWhen('2027-03-01 14:00 -05:00', 'Asia/Shanghai')?.toISOString()).toBe('2027-03-01T19:00:00.000Z');
  });

  it('refuses a wall-clock time the DST change skips, and impossible dates', () => {
    expect(parseWhen('2027-03-28 02:30', 'Europe/Berlin')).toBeUndefined();
    expect(parseWhen('2027-03-28 03:30', 'Europe/Berlin')?.toISOString()).toBe('2027-03-28T01:30:00.000Z');
    expect(parseWhen('2027-02-30 14:00', 'Asia/Shanghai')).toBeUndefined();
  });
});

describe('truncate', () => {
  it('leaves text that fits alone', () => {
    expect(truncate('hello', 5)).toEqual({ text: 'hello', truncated: false });
    expect(truncate('hello', 50)).toEqual({ text: 'hello', truncated: false });
  });

  it('cuts to exactly `limit` characters, the last being …', () => {
    expect(truncate('hello world', 5)).toEqual({ text: 'hell…', truncated: true });
  });

  it('counts emoji and CJK as one character each and never splits a surrogate pair', () => {
    const emoji = truncate('😀😁😂🤣', 3);
    expect(emoji).toEqual({ text: '😀😁…', truncated: true });
    expect(emoji.text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(truncate('😀😁😂', 3)).toEqual({ text: '😀😁😂', truncated: false });
    expect(truncate('售后服务工单系统', 4)).toEqual({ text: '售后服…', truncated: true });
  });
});

describe('nextDeadline and deadlineText', () => {
  it('picks the running clock due first, ignoring paused and stopped clocks', () => {
    const s = state({
      clocks: [
        running('resolution', at('2027-03-02T10:00:00Z')),
        running('first_response', at('2027-03-01T11:30:00Z')),
        clock({ kind: 'contact_customer', status: 'stopped', deadline: at('2027-03-01T10:05:00Z') }),
        paused('diagnosis_plan'),
      ],
    });
    expect(nextDeadline(s)).toEqual({ kind: 'first_response', at: at('2027-03-01T11:30:00Z') });
    expect(deadlineText(s, NOW, 'en')).toEqual({ text: 'First response due in 1 h 30 min (1 Mar 2027, 11:30 UTC)', overdue: false });
    expect(deadlineText(s, NOW, 'en', 'Asia/Shanghai').text).toBe('First response due in 1 h 30 min (1 Mar 2027, 19:30 UTC+8)');
    expect(deadlineText(s, NOW, 'zh-CN', 'Asia/Shanghai')).toEqual({ text: '首次响应剩余 1 小时 30 分钟 (2027年3月1日 19:30（UTC+8）)', overdue: false });
  });

  it('counts the last minute in seconds, never rounding up to a whole minute', () => {
    const s = state({ clocks: [running('first_response', new Date(NOW.getTime() + 10_000))] });
    expect(deadlineText(s, NOW, 'en').text).toMatch(/^First response due in 10 s \(/);
    expect(deadlineText(s, NOW, 'zh-CN').text).toMatch(/^首次响应剩余 10 秒 \(/);
    const late = state({ clocks: [running('first_response', new Date(NOW.getTime() - 90_000))] });
    expect(deadlineText(late, NOW, 'en')).toMatchObject({ text: expect.stringMatching(/^First response overdue by 1 min 30 s \(/), overdue: true });
  });

  it('reports a deadline that has passed as overdue', () => {
    const s = state({ clocks: [running('resolution', at('2027-03-01T09:35:00Z'))] });
    expect(deadlineText(s, NOW, 'en')).toEqual({ text: 'Resolution overdue by 25 min (1 Mar 2027, 09:35 UTC)', overdue: true });
    expect(deadlineText(s, NOW, 'zh-CN').text).toBe('解决已超时 25 分钟 (2027年3月1日 09:35（UTC）)');
  });

  it('says the clocks are paused when only paused clocks remain, and that none runs otherwise', () => {
    const pausedOnly = state({ clocks: [paused('resolution'), clock({ kind: 'first_response', status: 'stopped', deadline: null })] });
    expect(nextDeadline(pausedOnly)).toBeUndefined();
    expect(deadlineText(pausedOnly, NOW, 'en')).toEqual({ text: 'SLA clocks paused', overdue: false });
    expect(deadlineText(pausedOnly, NOW, 'zh-CN').text).toBe('SLA 计时已暂停');
    expect(deadlineText(state({ clocks: [] }), NOW, 'en')).toEqual({ text: 'No SLA clock running', overdue: false });
  });
});

describe('ticketCard', () => {
  const field = (card: ReturnType<typeof ticketCard>, label: string) => card.fields.find((f) => f.label === label)?.value;

  it('shows the ticket with masked contact details, never the raw phone or e-mail', () => {
    const card = ticketCard(state(), 'technical', ctx());
    expect(card.title).toBe('AC-000123 · Fault · Urgent');
    expect(card.subtitle).toBe('For Technical department');
    expect(field(card, 'Customer')).toBe('Li Lei · Acme Ltd');
    expect(field(card, 'Contact')).toBe('138****5678 · l***@example.com');
    expect(field(card, 'Product')).toBe('X200 printer');
    expect(field(card, 'Order')).toBe('SO-778');
    expect(field(card, 'Status')).toBe('New');
    expect(field(card, 'Next deadline')).toBe('First response due in 1 h 30 min (1 Mar 2027, 19:30 UTC+8)');
    expect(JSON.stringify(card)).not.toContain('13812345678');
    expect(JSON.stringify(card)).not.toContain('lilei@');
    expect(card.fallback).toBe('AC-000123 · Fault · Urgent — New');
    expect(card.fields.length).toBeLessThanOrEqual(10);
  });

  it('fills missing customer details with a dash', () => {
    const card = ticketCard(state({ customer: { company: null, phone: null, email: null }, ticket: { orderNumber: '' } }), 'technical', ctx());
    expect(field(card, 'Customer')).toBe('Li Lei');
    expect(field(card, 'Contact')).toBe('—');
    expect(field(card, 'Order')).toBe('—');
  });

  it('offers Claim only while nobody owns the ticket, and names the owner otherwise', () => {
    const unowned = ticketCard(state(), 'technical', ctx());
    expect(field(unowned, 'Owner')).toBe('Unclaimed');
    // A new ticket cannot be resolved before someone claimed it and answered the customer.
    expect(actions(unowned.buttons)).toEqual([
      ['claim', 'reply', 'progress'],
      ['involve', 'escalate', 'reassign', 'reveal'],
      ['reclassify', 'delay'],
    ]);
    expect(unowned.buttons[0]![0]).toEqual({ action: 'claim', label: 'Claim', style: 'primary', value: 'AC-000123' });
    const reopened = ticketCard(state({ ticket: { status: 'reopened' } }), 'technical', ctx());
    expect(reopened.buttons[0]!.find((b) => b.action === 'resolve')!.style).toBeUndefined();

    const owned = ticketCard(state({ ticket: { ownerId: 'dave', status: 'in_progress' } }), 'technical', ctx());
    expect(field(owned, 'Owner')).toBe('Dave Zhang');
    expect(actions(owned.buttons).flat()).not.toContain('claim');
    expect(owned.buttons[0]!.find((b) => b.action === 'resolve')!.style).toBe('primary');
    for (const row of owned.buttons) {
      expect(row.length).toBeLessThanOrEqual(5);
      for (const b of row) expect(b.value).toBe('AC-000123');
    }
  });

  it('offers only Reveal on a closed ticket, and Close/Reveal on a resolved one', () => {
    const overdueClock = [running('resolution', at('2027-03-01T09:00:00Z'))];
    const closed = ticketCard(state({ ticket: { status: 'closed', ownerId: 'dave' }, clocks: overdueClock }), 'technical', ctx());
    expect(actions(closed.buttons)).toEqual([['reveal']]);
    expect(closed.done).toBe(true);
    expect(closed.overdue).toBe(false);
    expect(field(closed, 'Next deadline')).toBe('—');

    const resolved = ticketCard(state({ ticket: { status: 'resolved', ownerId: 'dave' } }), 'technical', ctx());
    expect(actions(resolved.buttons)).toEqual([['close'], ['reveal']]);
    expect(resolved.buttons[0]![0]!.label).toBe('Close');
    expect(ticketCard(state({ ticket: { status: 'resolved', ownerId: 'dave' } }), 'technical', ctx('zh-CN')).buttons[0]![0]!.label).toBe('关闭');
    expect(resolved.done).toBe(true);
  });

  it('says on the card of a department the ticket was re-routed away from where it went', () => {
    const s = state({ ticket: { status: 'assigned', ownerId: 'dave', category: 'complaint' } });
    s.departments = [
      { departmentId: 'technical', role: 'former' },
      { departmentId: 'cs-supervisor', role: 'oversight' },
    ];
    const card = ticketCard(s, 'technical', ctx());
    expect(card.notes.some((n) => n.startsWith('Moved after a category correction'))).toBe(true);
    expect(ticketCard(s, 'cs-supervisor', ctx()).notes.some((n) => n.startsWith('Moved'))).toBe(false);
    expect(ticketCard(s, 'technical', ctx('zh-CN')).notes.some((n) => n.includes('类别更正后已转出'))).toBe(true);
  });

  it('shows when a resolved ticket closes by itself', () => {
    const s = state({ ticket: { status: 'resolved', ownerId: 'dave' } });
    s.lifecycle = {
      auto_close: { kind: 'auto_close', status: 'running', startedAt: NOW, deadline: at('2027-03-08T10:00:00Z'), firedAt: null, stoppedAt: null, version: 1 },
    };
    expect(ticketCard(s, 'technical', ctx()).notes).toContain('Closes automatically 8 Mar 2027, 18:00 UTC+8 unless the customer answers');
  });

  it('flags an overdue open ticket', () => {
    const card = ticketCard(state({ clocks: [running('resolution', at('2027-03-01T09:00:00Z'))] }), 'technical', ctx());
    expect(card.overdue).toBe(true);
    expect(card.deadline).toContain('overdue by 1 h');
  });

  it('shortens a long description and adds View full to the last row', () => {
    const long = 'x'.repeat(2000);
    const card = ticketCard(state({ ticket: { description: long } }), 'technical', ctx());
    expect(card.descriptionTruncated).toBe(true);
    expect([...card.description]).toHaveLength(1500);
    expect(card.description.endsWith('…')).toBe(true);
    expect(card.buttons.at(-1)!.at(-1)!.action).toBe('viewFull');

    const custom = ticketCard(state({ ticket: { description: 'abcdefghijkl', status: 'closed' } }), 'technical', ctx(), 10);
    expect(custom.description).toBe('abcdefghi…');
    expect(actions(custom.buttons)).toEqual([['reveal', 'viewFull']]);

    const short = ticketCard(state(), 'technical', ctx());
    expect(short.descriptionTruncated).toBe(false);
    expect(short.description).toBe('The printer jams on every page.');
    expect(actions(short.buttons).flat()).not.toContain('viewFull');
  });

  it('lists the flagged and complex badges', () => {
    expect(ticketCard(state(), 'technical', ctx()).notes).toEqual([]);
    expect(ticketCard(state({ ticket: { flagged: true, complex: true } }), 'technical', ctx()).notes).toEqual(['Angry customer flagged', 'Complex fault']);
  });

  it('uses Chinese labels for a zh-CN reader', () => {
    const card = ticketCard(state(), 'technical', ctx('zh-CN'));
    expect(card.title).toBe('AC-000123 · 故障 · 紧急');
    expect(card.subtitle).toBe('负责部门：技术部');
    expect(field(card, '负责人')).toBe('未认领');
    expect(field(card, '状态')).toBe('新建');
    expect(card.buttons[0]![0]!.label).toBe('认领');
  });
});

describe('timelineEntries', () => {
  const dave = { kind: 'staff', staffId: 'dave' } as const;
  const ev = eventMaker('slack');
  const events: StoredEvent[] = [
    ev(1, 'ticket.created', { category: 'fault' }),
    ev(2, 'ticket.claimed', { owner: 'dave', department: 'technical' }, dave),
    ev(3, 'coordination.task_created', { taskId: 't1', department: 'logistics', role: 'explain_compensate', note: 'check the courier' }, dave),
    ev(4, 'ticket.replied', { text: 'We are on it <!channel>', staff: 'dave' }, dave),
    ev(5, 'customer.message', { text: 'thanks' }, { kind: 'customer', customerId: 'c1' }),
    ev(6, 'coordination.task_claimed', { taskId: 't1', owner: 'heidi' }, { kind: 'staff', staffId: 'heidi' }),
    ev(7, 'coordination.task_done', { taskId: 't1', outcome: 'parcel found' }, { kind: 'staff', staffId: 'heidi' }),
    ev(8, 'something.unheard_of', { text: 'ignored' }),
    ev(9, 'ticket.progress', { preset: 'parts-ready', text: 'Fitting tomorrow', eta: '2027-03-02T09:00:00.000Z', diagnosis: null }, dave),
    ev(10, 'ticket.reclassified', { from: { category: 'fault', severity: 'normal' }, to: { category: 'complaint', severity: 'urgent' } }, dave),
    ev(11, 'sla.breached', { clock: 'resolution', deadline: '2027-03-01T10:00:00.000Z' }),
    ev(12, 'ticket.reassigned', { from: 'dave', to: 'erin', reason: 'on leave' }, { kind: 'staff', staffId: 'carol' }),
  ];

  it('renders only the events after afterSeq, skipping event types it does not know', () => {
    const entries = timelineEntries(events, 2, ctx());
    expect(entries.map((e) => e.seq)).toEqual([3, 4, 5, 6, 7, 9, 10, 11, 12]);
    expect(timelineEntries(events, 12, ctx())).toEqual([]);
    expect(timelineEntries(events, 0, ctx()).map((e) => e.seq)).toEqual([2, 3, 4, 5, 6, 7, 9, 10, 11, 12]);
  });

  it('gives each entry a headline naming who acted, and quotes what was said', () => {
    const bySeq = new Map(timelineEntries(events, 0, ctx(), 'Asia/Shanghai').map((e) => [e.seq, e]));
    expect(bySeq.get(2)).toEqual({ seq: 2, headline: 'Dave Zhang claimed the ticket' });
    expect(bySeq.get(3)).toEqual({ seq: 3, headline: 'Dave Zhang involved Logistics — Explain and compensate', quote: 'check the courier' });
    expect(bySeq.get(4)).toEqual({ seq: 4, headline: 'Dave Zhang replied to the customer:', quote: 'We are on it <!channel>' });
    expect(bySeq.get(5)).toEqual({ seq: 5, headline: 'Customer wrote:', quote: 'thanks' });
    expect(bySeq.get(9)).toEqual({
      seq: 9,
      headline: 'Dave Zhang updated progress:',
      quote: 'Parts are ready\nFitting tomorrow\nNew ETA: 2 Mar 2027, 17:00 UTC+8',
    });
    expect(bySeq.get(10)!.headline).toBe('Dave Zhang corrected the classification: Fault · Normal → Complaint · Urgent');
    expect(bySeq.get(11)).toEqual({ seq: 11, headline: 'Resolution deadline missed' });
    expect(bySeq.get(12)).toEqual({ seq: 12, headline: 'Carol Li reassigned the ticket to 刘尔', quote: 'on leave' });
  });

  it("names the task's department on task claimed and done, looked up from the task's creation", () => {
    const bySeq = new Map(timelineEntries(events, 5, ctx()).map((e) => [e.seq, e]));
    expect(bySeq.get(6)).toEqual({ seq: 6, headline: 'Heidi Sun took the Logistics task' });
    expect(bySeq.get(7)).toEqual({ seq: 7, headline: 'Logistics task done', quote: 'parcel found' });
    const zh = new Map(timelineEntries(events, 5, ctx('zh-CN')).map((e) => [e.seq, e]));
    expect(zh.get(6)!.headline).toBe('Heidi Sun 认领了物流部的任务');
    expect(zh.get(7)!.headline).toBe('物流部的任务已完成');
  });

  it('shows every close with its reason, the customer reminder and the departments a re-route added, in both languages', () => {
    const list = [
      ev(30, 'ticket.closed', { reason: 'confirmed', from: 'resolved' }, { kind: 'customer', customerId: 'c1' }),
      ev(31, 'ticket.closed', { reason: 'staff', from: 'in_progress', note: 'duplicate of AC-000100' }, { kind: 'staff', staffId: 'carol' }),
      ev(32, 'ticket.closed', { reason: 'no_answer', from: 'resolved' }),
      ev(33, 'customer.reminded', { waitingSince: '2027-03-01T09:00:00.000Z' }),
      ev(34, 'ticket.reclassified', { from: { category: 'fault', severity: 'normal' }, to: { category: 'complaint', severity: 'normal' }, departmentsAdded: ['cs-supervisor'] }, dave),
    ];
    const en = timelineEntries(list, 0, ctx());
    expect(en[0]).toEqual({ seq: 30, headline: 'Ticket closed — the customer confirmed the result' });
    expect(en[1]).toEqual({ seq: 31, headline: 'Ticket closed — closed by Carol Li', quote: 'duplicate of AC-000100' });
    expect(en[2]!.headline).toBe('Ticket closed — no answer from the customer');
    expect(en[3]!.headline).toBe('Reminded the customer that we are waiting for their reply');
    expect(en[4]!.quote).toBe(`Now also routed to ${departmentName(directory, 'cs-supervisor', 'en')}`);
    const zh = timelineEntries(list, 0, ctx('zh-CN'));
    expect(zh[0]!.headline).toBe('工单已关闭 — 客户已确认结果');
    expect(zh[2]!.headline).toBe('工单已关闭 — 客户未回复');
    expect(zh[3]!.headline).toBe('已提醒客户：我们在等待其回复');
  });

  it('leaves out an empty quote', () => {
    const [done] = timelineEntries([events[2]!, ev(20, 'coordination.task_done', { taskId: 't1', outcome: null })], 3, ctx());
    expect(done).toEqual({ seq: 20, headline: 'Logistics task done' });
    expect(done).not.toHaveProperty('quote');
  });
});

describe('coordinationSheet', () => {
  it('lists the tasks oldest first with department, role, status, note and outcome', () => {
    const s = state({
      tasks: [
        task({ id: 't2', departmentId: 'logistics', role: 'explain_compensate', status: 'claimed', ownerId: 'heidi', createdAt: at('2027-03-01T09:30:00Z') }),
        task({ id: 't1', departmentId: 'technical', note: 'check the board', createdAt: at('2027-03-01T09:00:00Z') }),
        task({ id: 't3', departmentId: 'product', role: 'other', status: 'done', ownerId: 'frank', outcome: 'replaced', createdAt: at('2027-03-01T09:45:00Z') }),
      ],
    });
    const sheet = coordinationSheet(s, ctx());
    expect(sheet.title).toBe('Coordination sheet — AC-000123');
    expect(sheet.rows).toEqual([
      { line: 'Technical department · Diagnose and fix · open', note: 'Note: check the board' },
      { line: 'Logistics · Explain and compensate · taken by Heidi Sun' },
      { line: 'Product department · Other · done', outcome: 'Outcome: replaced' },
    ]);
    expect(sheet.rows[1]).not.toHaveProperty('note');
    expect(s.tasks.map((t) => t.id)).toEqual(['t2', 't1', 't3']);
  });

  it('speaks Chinese and passes an unknown role through', () => {
    const sheet = coordinationSheet(state({ tasks: [task({ id: 't1', departmentId: 'logistics', role: 'inspect-warehouse' })] }), ctx('zh-CN'));
    expect(sheet.title).toBe('协调单 — AC-000123');
    expect(sheet.rows).toEqual([{ line: '物流部 · inspect-warehouse · 待认领' }]);
  });
});

describe('taskCard', () => {
  const s = state({ ticket: { ownerId: 'dave' } });

  it('offers Claim task and Done on an open task', () => {
    const card = taskCard(s, task({ id: 't1', departmentId: 'logistics', note: 'check the courier' }), ctx());
    expect(card.title).toBe('Coordination task: AC-000123 for Logistics');
    expect(card.buttons).toEqual([
      { action: 'taskClaim', label: 'Claim task', value: 'AC-000123:t1', style: 'primary' },
      { action: 'taskDone', label: 'Done', value: 'AC-000123:t1' },
    ]);
    expect(card.note).toBe('Requested by Alice Chen\ncheck the courier');
    expect(card.fields.find((f) => f.label === 'Status')!.value).toBe('open');
    expect(card.done).toBe(false);
  });

  it('offers only Done once claimed, and nothing once done', () => {
    const claimed = taskCard(s, task({ id: 't1', departmentId: 'logistics', status: 'claimed', ownerId: 'heidi' }), ctx());
    expect(claimed.buttons.map((b) => b.action)).toEqual(['taskDone']);
    expect(claimed.fields.find((f) => f.label === 'Status')!.value).toBe('taken by Heidi Sun');

    const done = taskCard(s, task({ id: 't1', departmentId: 'logistics', status: 'done', ownerId: 'heidi', outcome: 'parcel found' }), ctx());
    expect(done.buttons).toEqual([]);
    expect(done.done).toBe(true);
    expect(done.note).toBe('Requested by Alice Chen\nOutcome: parcel found');
  });
});

describe('escalationPost', () => {
  it('offers Acknowledge while the escalation is open, with its deadline', () => {
    const post = escalationPost(state(), escalation({ reason: 'resolution deadline passed' }), ctx());
    expect(post.open).toBe(true);
    expect(post.title).toBe('Escalation: AC-000123 — level 2');
    expect(post.status).toBe('Acknowledge by 1 Mar 2027, 18:15 UTC+8');
    expect(post.buttons).toEqual([
      { action: 'acknowledge', label: 'Acknowledge', value: 'AC-000123:e1', style: 'danger' },
      { action: 'reassign', label: 'Reassign', value: 'AC-000123' },
    ]);
    expect(post.fields.slice(0, 2)).toEqual([
      { label: 'Trigger', value: 'SLA deadline missed' },
      { label: 'Reason', value: 'resolution deadline passed' },
    ]);
  });

  it('shows who acknowledged, with no buttons, once acknowledged; and the end of the ladder once exhausted', () => {
    const acked = escalationPost(state(), escalation({ status: 'acknowledged', acknowledgedBy: 'erin', nextStepAt: null }), ctx());
    expect(acked.open).toBe(false);
    expect(acked.status).toBe('Acknowledged by 刘尔');
    expect(acked.buttons).toEqual([]);
    expect(acked.fields.map((f) => f.label)).not.toContain('Reason');

    const ended = escalationPost(state(), escalation({ status: 'exhausted', nextStepAt: null }), ctx('zh-CN'));
    expect(ended.status).toBe('无人确认，升级流程已结束');
    expect(ended.buttons).toEqual([]);
  });
});

describe('staffNotice', () => {
  it('gives the overdue prompt an Explain delay button', () => {
    expect(staffNotice('sla.overdue_prompt', { number: 'AC-000123', clock: 'resolution' }, ctx())).toEqual({
      text: 'AC-000123: Resolution is overdue. Tell the customer why and give a new ETA.',
      buttons: [{ action: 'delay', label: 'Explain delay', value: 'AC-000123', style: 'primary' }],
    });
  });

  it('renders reminders, assignments and customer messages', () => {
    expect(staffNotice('sla.reminder', { number: 'AC-000123', clock: 'first_response', deadline: '2027-03-01T10:30:00Z' }, ctx())).toEqual({
      text: 'AC-000123: First response due in 30 min',
      buttons: [],
    });
    expect(staffNotice('staff.assigned', { number: 'AC-000123', by: 'carol' }, ctx())!.text).toBe('AC-000123 was assigned to you by Carol Li.');
    const msg = staffNotice('customer.message', { number: 'AC-000123', text: 'Any news?' }, ctx('zh-CN'))!;
    expect(msg.text).toBe('AC-000123：客户留言：');
    expect(msg.quote).toBe('Any news?');
    expect(msg.buttons.map((b) => b.action)).toEqual(['reply']);
  });

  it('returns undefined for a kind it does not know', () => {
    expect(staffNotice('ticket.card_update', { number: 'AC-000123' }, ctx())).toBeUndefined();
  });
});

describe('explainError', () => {
  const access = (over: Partial<TicketAccess> = {}): TicketAccess => ({ ownerId: null, departmentIds: ['technical'], taskDepartmentIds: ['logistics'], ...over });
  const refusal = (who: StaffMember | undefined, capability: Capability, a: TicketAccess): unknown => {
    try {
      assertCan(who, capability, a);
    } catch (err) {
      return err;
    }
    throw new Error('expected assertCan to refuse');
  };
  const explain = (err: unknown, language = 'en') => explainError(err, 'AC-000123', ctx(language), 'ref-42');

  it('explains each permission refusal', () => {
    expect(explain(refusal(undefined, 'view', access()))).toBe(
      'You are not set up as Aftercare staff. Ask an admin to add your user id to the configuration.',
    );
    expect(explain(refusal(staff('alice'), 'work', access()))).toBe('This ticket belongs to another department: you cannot act on it.');
    expect(explain(refusal(staff('dave'), 'reassign', access()))).toBe('Only supervisors can do that.');
    expect(explain(refusal(staff('dave'), 'acknowledge', access()), 'zh-CN')).toBe('只有主管可以执行此操作。');
    expect(explain(refusal(staff('alice'), 'work', access({ ownerId: 'bob', departmentIds: ['customer-service'] })))).toBe(
      'AC-000123 is owned by 王波: only they or a supervisor can work it.',
    );
    expect(explain(refusal(staff('heidi'), 'claim', access()))).toBe('Your department is involved through a coordination task: claim the task instead.');
  });

  it('tells an already-claimed ticket apart from one already yours', () => {
    expect(explain(new ConflictError(ErrorCode.AlreadyClaimed, 'ticket AC-000123 is already claimed by dave', { ownerId: 'dave' }))).toBe(
      'AC-000123 is already claimed by Dave Zhang.',
    );
    expect(explain(new ConflictError(ErrorCode.AlreadyClaimed, 'ticket AC-000123 is already yours', { ownerId: 'dave' }))).toBe('AC-000123 is already yours.');
  });

  it('maps not found, illegal transitions, validation and other conflicts', () => {
    expect(explain(new NotFoundError('ticket', 'AC-000999'))).toBe('Ticket AC-000123 was not found.');
    expect(explain(new IllegalTransitionError('closed', 'claim'))).toBe('Not possible now: a closed ticket cannot be claimed; reopen it first');
    expect(explain(new IllegalTransitionError('resolved', 'start_work'), 'zh-CN')).toBe('当前无法执行：工单状态为「已解决」，不能进行此操作。');
    expect(explain(new ValidationError('bad', [{ path: 'eta', message: 'must be in the future' }, { path: 'to', message: 'unknown' }]))).toBe(
      'Please check: eta must be in the future; to unknown',
    );
    expect(explain(new ValidationError('progress needs text', []))).toBe('Please check: progress needs text');
    expect(explain(new AftercareError(ErrorCode.Conflict, 'escalation is already acknowledged'))).toBe('escalation is already acknowledged');
  });

  it('hides unexpected errors behind the reference', () => {
    const text = explain(new Error('connection to db lost'));
    expect(text).toBe('Something went wrong (reference ref-42). Please try again.');
    expect(text).not.toContain('db');
    expect(explain('boom', 'zh-CN')).toBe('出错了（编号 ref-42），请重试。');
  });
});

describe('byDeadline', () => {
  it('orders by the next running deadline, tickets without one last, without touching the input', () => {
    const none = state({ ticket: { number: 'AC-000001' }, clocks: [paused('resolution')] });
    const later = state({ ticket: { number: 'AC-000002' }, clocks: [running('resolution', at('2027-03-02T10:00:00Z'))] });
    const sooner = state({
      ticket: { number: 'AC-000003' },
      clocks: [running('resolution', at('2027-03-03T10:00:00Z')), running('first_response', at('2027-03-01T10:30:00Z'))],
    });
    const input = [none, later, sooner];
    expect(byDeadline(input).map((s) => s.ticket.number)).toEqual(['AC-000003', 'AC-000002', 'AC-000001']);
    expect(input.map((s) => s.ticket.number)).toEqual(['AC-000001', 'AC-000002', 'AC-000003']);
  });
});

describe('explainError and reminders, edge cases', () => {
  it('does not call a missing task a missing ticket', () => {
    const text = explainError(new AftercareError(ErrorCode.NotFound, 'coordination task x not found on AC-000001'), 'AC-000001', ctx(), 'ref');
    expect(text).toBe('coordination task x not found on AC-000001');
    expect(explainError(new NotFoundError('ticket', 'AC-000009'), 'AC-000009', ctx(), 'ref')).toBe('Ticket AC-000009 was not found.');
  });

  it('a reminder that fires after its deadline reads as overdue and offers the delay form', () => {
    const late = staffNotice('sla.reminder', { number: 'AC-000001', clock: 'first_response', deadline: '2027-03-01T09:00:00Z' }, ctx());
    expect(late?.text).toBe('AC-000001: First response is overdue. Tell the customer why and give a new ETA.');
    expect(late?.buttons.map((b) => b.action)).toEqual(['delay']);
  });
});
