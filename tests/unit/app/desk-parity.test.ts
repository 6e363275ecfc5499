/**
 * Slack and Discord offer the same staff desk: every form and every button, drawn by each
 * platform's renderer, filled in and sent back the way that platform sends it, reads back to the
 * same values and leaves the same trail of events on identical tickets. Runs on the in-memory
 * store with a fixed clock, so each walk takes milliseconds.
 */
import { DateTime } from 'luxon';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { formModal, modalValues } from '../../../adapters/discord/forms.js';
import { cardMessage } from '../../../adapters/discord/render.js';
import { cardBlocks, escalationBlocks, taskBlocks, type Block } from '../../../adapters/slack/blocks.js';
import { formView, submittedValues, viewStateValues, type View } from '../../../adapters/slack/forms.js';
import { createTicket, type CreateTicketInput } from '../../../src/app/create-ticket.js';
import type { UseCaseDeps } from '../../../src/app/deps.js';
import { ticketCard, type CardActionId } from '../../../src/app/desk/card.js';
import { taskCard } from '../../../src/app/desk/coordination.js';
import { escalationPost } from '../../../src/app/desk/escalation-post.js';
import { FORM_KINDS, type Form, type FormValues } from '../../../src/app/desk/forms.js';
import { Desk, type Answer, type DeskPlatform } from '../../../src/app/desk/intents.js';
import { ticketTimeZone } from '../../../src/app/desk/view-context.js';
import { MemoryTicketStore } from '../../../src/app/memory-ticket-store.js';
import type { StoredEvent, TicketDetail } from '../../../src/app/ports.js';
import { Directory } from '../../../src/core/directory.js';
import type { AftercareConfig } from '../../../src/core/types.js';
import { exampleConfig } from '../../helpers/config.js';
import { noJobs } from '../../helpers/no-jobs.js';
import { routerFault } from '../../helpers/ticket-fixtures.js';

const START = new Date('2027-03-01T02:00:00Z');
/** A moment after START that every date-time field is given. */
const LATER = new Date('2027-03-05T12:00:00Z');

/** The example configuration with a Slack and a Discord user id for every staff member. */
function platformConfig(): AftercareConfig {
  const c = exampleConfig();
  return {
    ...c,
    departments: c.departments.map((d) => ({ ...d, staff: d.staff.map((s) => ({ ...s, slack: `U-${s.id}`, discord: `D-${s.id}` })) })),
  };
}
const config = platformConfig();
const userId = (platform: DeskPlatform, staff: string) => (platform === 'slack' ? `U-${staff}` : `D-${staff}`);

/** One platform's world: its own store, the same clock and the same id sequence as the other's. */
function world(platform: DeskPlatform) {
  let n = 0;
  const store = new MemoryTicketStore(() => START);
  const deps: UseCaseDeps = {
    store,
    directory: new Directory(config),
    now: () => START,
    newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    ...noJobs(),
  };
  return { platform, deps, store, desk: new Desk(deps, platform, pino({ level: 'silent' })) };
}
type World = ReturnType<typeof world>;

const input: CreateTicketInput = { ...routerFault, severity: 'urgent' };

/** The value a person would give each field of `form` (a choice: the first option not already set). */
function sampleValues(form: Form): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of form.fields) {
    switch (f.kind) {
      case 'text':
      case 'paragraph':
        out[f.id] = f.id === 'contact' ? 'li.lei@example.com' : `${f.id} typed by staff`;
        break;
      case 'select':
        out[f.id] = (f.options!.find((o) => o.value !== f.initial) ?? f.options![0]!).value;
        break;
      case 'check':
        out[f.id] = 'yes';
        break;
      case 'datetime':
        out[f.id] = LATER.toISOString();
        break;
    }
  }
  return out;
}

/** What Slack sends back in `view.state.values` for a modal filled in with `values`. */
function slackSubmission(view: View, values: Record<string, string>): FormValues {
  const state: Record<string, Record<string, unknown>> = {};
  for (const b of view.blocks.filter((x) => x.type === 'input') as (Block & { block_id: string; element: Record<string, unknown> })[]) {
    const v = values[b.block_id];
    const el = b.element;
    const action = String(el.action_id);
    switch (el.type) {
      case 'plain_text_input':
        state[b.block_id] = { [action]: { type: el.type, value: v ?? null } };
        break;
      case 'static_select': {
        const opt = (el.options as { value: string; text: unknown }[]).find((o) => o.value === v);
        state[b.block_id] = { [action]: { type: el.type, selected_option: opt ?? null } };
        break;
      }
      case 'checkboxes':
        state[b.block_id] = { [action]: { type: el.type, selected_options: v ? (el.options as unknown[]) : [] } };
        break;
      case 'datetimepicker':
        state[b.block_id] = { [action]: { type: el.type, selected_date_time: v ? Math.floor(Date.parse(v) / 1000) : null } };
        break;
      default:
        throw new Error(`a Slack element this test does not fill: ${String(el.type)}`);
    }
  }
  return submittedValues(viewStateValues.parse(state));
}

/** What Discord sends back in a modal submit's `data.components` for a modal filled in with `values` (date-times typed in `zone`). */
function discordSubmission(modal: ReturnType<typeof formModal>, values: Record<string, string>, form: Form, zone: string): FormValues {
  const rows = (modal.data.components as Record<string, unknown>[]).map((c) => {
    if (c.type === 1) {
      const input = (c.components as { custom_id: string }[])[0]!;
      const field = form.fields.find((f) => f.id === input.custom_id)!;
      const v = values[input.custom_id];
      const typed = v && field.kind === 'datetime' ? DateTime.fromISO(v).setZone(zone).toFormat('yyyy-MM-dd HH:mm') : v;
      return { type: 1, components: [{ type: 4, custom_id: input.custom_id, value: typed ?? '' }] };
    }
    expect(c.type).toBe(18);
    const select = c.component as { type: number; custom_id: string; options: { value: string }[] };
    expect(select.type).toBe(3);
    const v = values[select.custom_id];
    expect(v === undefined || select.options.some((o) => o.value === v)).toBe(true);
    return { type: 18, component: { type: 3, custom_id: select.custom_id, values: v ? [v] : [] } };
  });
  return modalValues(rows);
}

/** What a ticket's events say, without what differs between platforms (the source) or is bookkeeping. */
function trail(events: StoredEvent[]) {
  return events.filter((e) => !e.type.startsWith('sla.')).map((e) => ({ type: e.type, actor: e.actor, data: e.data }));
}

async function finish(answer: Answer): Promise<Answer | undefined> {
  return answer.kind === 'work' ? answer.run() : answer;
}

/** A ticket claimed by dave (technical), in both worlds alike. */
async function claimedTicket(w: World): Promise<TicketDetail> {
  const created = await createTicket(w.deps, input);
  const number = created.state.ticket.number;
  const claim = await w.desk.press(userId(w.platform, 'dave'), 'claim', number);
  expect(await finish(claim)).toBeUndefined();
  return (await w.store.get(number))!;
}

describe('every staff form on Slack and on Discord', () => {
  for (const kind of FORM_KINDS) {
    it(`${kind}: drawn by both, sent back by both, the same command and the same events`, async () => {
      const results = [];
      for (const platform of ['slack', 'discord'] as const) {
        const w = world(platform);
        const detail = await claimedTicket(w);
        const zone = ticketTimeZone(detail, w.deps.directory);
        // Only supervisors hand tickets on.
        const user = userId(platform, kind === 'reassign' ? 'erin' : 'dave');
        const opened = kind === 'new' ? await w.desk.command(user, 'new') : await w.desk.press(user, kind, detail.ticket.number);
        expect(opened.kind, `${platform} opens the ${kind} form`).toBe('form');
        const form = (opened as Extract<Answer, { kind: 'form' }>).form;
        const values = sampleValues(form);
        if (kind === 'progress') delete values.preset; // text, ETA and flags without a preset
        const back =
          platform === 'slack'
            ? slackSubmission(formView(form, { c: 'C1' }), values)
            : discordSubmission(formModal(form), values, form, zone);
        const sent = await w.desk.submit(user, kind, form.number, back);
        expect(sent.kind, JSON.stringify(sent)).toBe('work');
        const said = await finish(sent);
        const number = kind === 'new' ? 'AC-000002' : detail.ticket.number;
        const after = (await w.store.get(number))!;
        // Date-times come back as each platform gives them (a picker's moment, typed wall-clock time); the commands agree.
        const typed = Object.fromEntries(Object.entries(back).filter(([id]) => form.fields.find((f) => f.id === id)?.kind !== 'datetime'));
        results.push({ form, back: typed, said, trail: trail(after.events) });
      }
      const [slack, discord] = results as [(typeof results)[0], (typeof results)[0]];
      expect(discord.form).toEqual(slack.form);
      expect(discord.back).toEqual(slack.back);
      expect(discord.said).toEqual(slack.said);
      expect(discord.trail).toEqual(slack.trail);
      // The form did something: its command left an event beyond the claim.
      expect(slack.trail.length).toBeGreaterThan(kind === 'new' ? 1 : 3);
    });
  }

  it('a form sent back with its required fields empty is refused the same way on both, in the staff member’s language', async () => {
    for (const [who, language] of [['dave', 'en'], ['erin', 'zh-CN']] as const) {
      const answers = [];
      for (const platform of ['slack', 'discord'] as const) {
        const w = world(platform);
        const detail = await claimedTicket(w);
        const opened = await w.desk.press(userId(platform, who), 'delay', detail.ticket.number);
        const form = (opened as Extract<Answer, { kind: 'form' }>).form;
        const back = platform === 'slack' ? slackSubmission(formView(form, {}), {}) : discordSubmission(formModal(form), {}, form, 'UTC');
        answers.push(await w.desk.submit(userId(platform, who), 'delay', detail.ticket.number, back));
      }
      expect(answers[0]).toEqual(answers[1]);
      expect(answers[0]).toMatchObject({ kind: 'invalid', errors: { reason: expect.any(String), eta: expect.any(String) } });
      expect((answers[0] as { text: string }).text).toContain(language === 'zh-CN' ? '必填' : 'is required');
    }
  });
});

/** Each platform's encoding of a button (Slack action_id + value, Discord custom_id) as the desk reads it. */
function slackButtons(blocks: Block[]): [string, string][] {
  const out: [string, string][] = [];
  for (const b of blocks) if (b.type === 'actions') for (const e of b.elements as { action_id: string; value: string }[]) out.push([e.action_id.slice('ac:'.length), e.value]);
  return out;
}
function discordButtons(message: { components?: unknown[] }): [string, string][] {
  const out: [string, string][] = [];
  for (const row of (message.components ?? []) as { components: { custom_id: string }[] }[]) {
    for (const c of row.components) {
      const [, action = '', ...value] = c.custom_id.split(':');
      out.push([action, value.join(':')]);
    }
  }
  return out;
}

describe('every button on Slack and on Discord', () => {
  it('cards, task cards and escalation posts carry the same buttons, read back to the same action and value', async () => {
    const w = world('slack');
    const created = await createTicket(w.deps, { ...input, severity: 'critical' });
    const number = created.state.ticket.number;
    await finish(await w.desk.press(userId('slack', 'dave'), 'escalate', number));
    await finish(await w.desk.submit(userId('slack', 'dave'), 'involve', number, { department: 'logistics', role: 'diagnose_fix' }));
    const detail = (await w.store.get(number))!;
    const ctx = { directory: w.deps.directory, now: START, language: 'en' };
    const card = ticketCard(detail, 'technical', ctx, 20);
    expect(discordButtons(cardMessage(card))).toEqual(slackButtons(cardBlocks(card)));
    const task = taskCard(detail, detail.tasks[0]!, ctx);
    expect(discordButtons(cardMessage({ ...card, buttons: [task.buttons] }))).toEqual(slackButtons(taskBlocks(task)));
    const post = escalationPost(detail, detail.escalations[0]!, ctx);
    expect(discordButtons(cardMessage({ ...card, buttons: [post.buttons] }))).toEqual(slackButtons(escalationBlocks(post)));
    const seen = new Set([...slackButtons(cardBlocks(card)), ...slackButtons(taskBlocks(task)), ...slackButtons(escalationBlocks(post))].map(([a]) => a));
    for (const action of ['reply', 'progress', 'involve', 'escalate', 'reassign', 'reveal', 'reclassify', 'delay', 'viewFull', 'acknowledge', 'taskClaim', 'taskDone']) {
      expect(seen, action).toContain(action);
    }
  });

  /** Buttons that act at once; `shows` is what the staff member is told, `leaves` the event it records. */
  const DIRECT: { action: CardActionId; who: string; leaves?: string; shows?: RegExp; setup?: (w: World, number: string) => Promise<string> }[] = [
    { action: 'escalate', who: 'dave', leaves: 'ticket.escalated' },
    { action: 'acknowledge', who: 'erin', leaves: 'escalation.acknowledged', setup: async (w, number) => `${number}:${(await escalated(w, number)).escalations[0]!.id}` },
    { action: 'taskClaim', who: 'heidi', leaves: 'coordination.task_claimed', setup: async (w, number) => `${number}:${(await involved(w, number)).tasks[0]!.id}` },
    { action: 'taskDone', who: 'heidi', leaves: 'coordination.task_done', setup: async (w, number) => `${number}:${(await involved(w, number)).tasks[0]!.id}` },
    { action: 'reveal', who: 'dave', leaves: 'customer.contact_revealed', shows: /13800138000/ },
    { action: 'viewFull', who: 'dave', shows: /router is broken/ },
    {
      action: 'close',
      who: 'dave',
      leaves: 'ticket.closed',
      setup: async (w, number) => {
        await finish(await w.desk.submit(userId(w.platform, 'dave'), 'resolve', number, { measures: 'fixed', advice: 'none' }));
        return number;
      },
    },
  ];

  for (const { action, who, leaves, shows, setup } of DIRECT) {
    it(`${action}: the same answer and the same events on both`, async () => {
      const results = [];
      for (const platform of ['slack', 'discord'] as const) {
        const w = world(platform);
        const detail = await claimedTicket(w);
        const value = setup ? await setup(w, detail.ticket.number) : detail.ticket.number;
        const answer = await w.desk.press(userId(platform, who), action, value);
        const said = await finish(answer);
        results.push({ kind: answer.kind, said, trail: trail((await w.store.get(detail.ticket.number))!.events) });
      }
      expect(results[1]).toEqual(results[0]);
      const [slack] = results as [(typeof results)[0]];
      if (shows) expect(JSON.stringify(slack.said)).toMatch(shows);
      else expect(slack.said).toBeUndefined();
      if (leaves) expect(slack.trail.at(-1)?.type).toBe(leaves);
    });
  }

  it('refuses staff of another department before anything opens, the same way on both', async () => {
    const answers = [];
    for (const platform of ['slack', 'discord'] as const) {
      const w = world(platform);
      const detail = await claimedTicket(w);
      answers.push(await w.desk.press(userId(platform, 'heidi'), 'reply', detail.ticket.number));
      answers.push(await w.desk.press(userId(platform, 'heidi'), 'claim', detail.ticket.number));
    }
    expect(answers[2]).toEqual(answers[0]);
    expect(answers[3]).toEqual(answers[1]);
    expect(answers[0]).toMatchObject({ kind: 'say', text: expect.stringContaining('another department') });
  });
});

async function escalated(w: World, number: string): Promise<TicketDetail> {
  await finish(await w.desk.press(userId(w.platform, 'dave'), 'escalate', number));
  return (await w.store.get(number))!;
}

async function involved(w: World, number: string): Promise<TicketDetail> {
  await finish(await w.desk.submit(userId(w.platform, 'dave'), 'involve', number, { department: 'logistics', role: 'diagnose_fix' }));
  const d = (await w.store.get(number))!;
  return d;
}
