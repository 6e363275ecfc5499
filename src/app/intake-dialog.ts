import { SEVERITIES, type Severity } from '../core/types.js';
import type { Attachment } from './customer-actions.js';

/**
 * The guided intake (SPEC §2): the questions, their order and how each answer is checked.
 * Pure: the Telegram adapter keeps the state in Postgres and renders the questions.
 */
export const INTAKE_STEPS = ['name', 'contact', 'product', 'order', 'description', 'urgency', 'expected', 'confirm'] as const;
export type IntakeStep = (typeof INTAKE_STEPS)[number];

export interface IntakeAnswers {
  name?: string;
  company?: string;
  phone?: string;
  email?: string;
  product?: string;
  orderNumber?: string;
  description?: string;
  severity?: Severity;
  /** ISO 8601, or null when the customer skipped the question. */
  expectedBy?: string | null;
}

export interface IntakeState {
  mode: 'intake';
  /** Stable per dialog: the idempotency key of the ticket it creates. */
  id: string;
  step: IntakeStep;
  answers: IntakeAnswers;
  attachments: Attachment[];
}

/** Everything a chat can be in the middle of. */
export type DialogState =
  | IntakeState
  | { mode: 'comment'; ticket: string }
  | { mode: 'pick'; text: string; attachments: Attachment[] };

/** The hint key (in the i18n catalogue) for a rejected answer. */
export type IntakeHint = 'badName' | 'badContact' | 'badProduct' | 'badOrder' | 'badDescription' | 'badExpected' | 'pastExpected';

/** What is already known of a returning customer. */
export interface KnownCustomer {
  name: string;
  company: string | null;
  phone: string | null;
  email: string | null;
}

export function startIntake(id: string, prefilledDescription?: string, known?: KnownCustomer): IntakeState {
  const answers: IntakeAnswers = {};
  if (known?.name) {
    answers.name = known.name;
    if (known.company) answers.company = known.company;
  }
  if (known?.phone) answers.phone = known.phone;
  else if (known?.email) answers.email = known.email;
  if (prefilledDescription && checkDescription(prefilledDescription)) answers.description = prefilledDescription.trim();
  const state: IntakeState = { mode: 'intake', id, step: 'name', answers, attachments: [] };
  return { ...state, step: nextStep(state, 'name') };
}

function answered(a: IntakeAnswers, step: IntakeStep): boolean {
  switch (step) {
    case 'name':
      return a.name !== undefined;
    case 'contact':
      return a.phone !== undefined || a.email !== undefined;
    case 'product':
      return a.product !== undefined;
    case 'order':
      return a.orderNumber !== undefined;
    case 'description':
      return a.description !== undefined;
    case 'urgency':
      return a.severity !== undefined;
    case 'expected':
      return a.expectedBy !== undefined;
    case 'confirm':
      return false;
  }
}

/** The first question still open after `from`. */
export function nextStep(state: IntakeState, from: IntakeStep = state.step): IntakeStep {
  const start = INTAKE_STEPS.indexOf(from);
  for (const step of INTAKE_STEPS.slice(start)) if (!answered(state.answers, step)) return step;
  return 'confirm';
}

/** One question back (the earlier answer stays as a default until replaced). */
export function stepBack(state: IntakeState): IntakeState {
  const i = INTAKE_STEPS.indexOf(state.step);
  return { ...state, step: INTAKE_STEPS[Math.max(0, i - 1)]! };
}

const PHONE = /^\+?[0-9][0-9 ()-]{5,24}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;
const ORDER = /^[A-Za-z0-9][A-Za-z0-9\-_/]{2,39}$/;

function checkDescription(text: string): boolean {
  const t = text.trim();
  return t.length >= 10 && t.length <= 4000;
}

/** Parses "2026-12-01", "2026-12-01 18:00", "3 days", "48h", "3 天", "5 小时" (dates in UTC). */
export function parseExpected(text: string, now: Date): Date | undefined {
  const t = text.trim().toLowerCase();
  const date = /^(\d{4})-(\d{2})-(\d{2})(?:[ t](\d{2}):(\d{2}))?$/.exec(t);
  if (date) {
    const [, y, m, d, hh, mm] = date;
    const at = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d), hh ? Number(hh) : 23, mm ? Number(mm) : 59));
    return Number.isNaN(at.getTime()) || at.getUTCDate() !== Number(d) ? undefined : at;
  }
  const rel = /^(\d{1,3})\s*(d|day|days|天|h|hr|hrs|hour|hours|小时|个小时)$/.exec(t);
  if (rel) {
    const n = Number(rel[1]);
    const unit = rel[2]!;
    const ms = /^(d|day|days|天)$/.test(unit) ? n * 86_400_000 : n * 3_600_000;
    return n > 0 ? new Date(now.getTime() + ms) : undefined;
  }
  return undefined;
}

const SEVERITY_WORDS: Record<string, Severity> = { '一般': 'normal', '紧急': 'urgent', '特急': 'critical', '1': 'normal', '2': 'urgent', '3': 'critical' };

/** Applies a typed answer to the current question, or says what is wrong with it. */
export function answerIntake(state: IntakeState, text: string, now: Date): { state: IntakeState } | { hint: IntakeHint } {
  const t = text.trim();
  const a = { ...state.answers };
  switch (state.step) {
    case 'name': {
      const [name, ...company] = t.split(/[,，]/);
      const n = (name ?? '').trim();
      if (n.length < 2 || n.length > 100) return { hint: 'badName' };
      a.name = n;
      const c = company.join(',').trim();
      if (c) a.company = c.slice(0, 200);
      else delete a.company;
      break;
    }
    case 'contact': {
      const digits = t.replace(/\D/g, '').length;
      if (PHONE.test(t) && digits >= 7 && digits <= 15) {
        a.phone = t;
        delete a.email;
      } else if (EMAIL.test(t) && t.length <= 254) {
        a.email = t;
        delete a.phone;
      } else return { hint: 'badContact' };
      break;
    }
    case 'product':
      if (t.length < 2 || t.length > 200) return { hint: 'badProduct' };
      a.product = t;
      break;
    case 'order':
      if (!ORDER.test(t)) return { hint: 'badOrder' };
      a.orderNumber = t;
      break;
    case 'description':
      if (!checkDescription(t)) return { hint: 'badDescription' };
      a.description = t;
      break;
    case 'urgency': {
      const s = (SEVERITIES as readonly string[]).includes(t.toLowerCase()) ? (t.toLowerCase() as Severity) : SEVERITY_WORDS[t];
      if (!s) return { hint: 'badExpected' };
      a.severity = s;
      break;
    }
    case 'expected': {
      const at = parseExpected(t, now);
      if (!at) return { hint: 'badExpected' };
      if (at.getTime() <= now.getTime()) return { hint: 'pastExpected' };
      a.expectedBy = at.toISOString();
      break;
    }
    case 'confirm':
      return { state };
  }
  const next = { ...state, answers: a };
  return { state: { ...next, step: nextStep(next, state.step) } };
}

/** Records a button choice (urgency, or skipping the expected time). */
export function chooseIntake(state: IntakeState, choice: { severity: Severity } | { skipExpected: true }): IntakeState {
  const a = { ...state.answers };
  if ('severity' in choice) a.severity = choice.severity;
  else a.expectedBy = null;
  const next = { ...state, answers: a };
  return { ...next, step: nextStep(next, state.step) };
}
