import { describe, expect, it } from 'vitest';
import { answerIntake, chooseIntake, parseExpected, startIntake, stepBack, type IntakeState } from '../../../src/app/intake-dialog.js';

const now = new Date('2026-11-23T10:00:00Z');

function walk(state: IntakeState, ...answers: string[]): IntakeState {
  for (const a of answers) {
    const r = answerIntake(state, a, now);
    if ('hint' in r) throw new Error(`refused ${a}: ${r.hint}`);
    state = r.state;
  }
  return state;
}

describe('intake dialog', () => {
  it('asks every required field in order and ends at the summary', () => {
    let s = walk(startIntake('d1'), 'Li Lei, Acme Ltd', 'li@example.com', 'Printer', 'SO-42', 'Paper jams every second page');
    expect(s.step).toBe('urgency');
    s = chooseIntake(s, { severity: 'urgent' });
    expect(s.step).toBe('expected');
    s = walk(s, '3 days');
    expect(s.step).toBe('confirm');
    expect(s.answers).toMatchObject({ name: 'Li Lei', company: 'Acme Ltd', email: 'li@example.com', product: 'Printer', orderNumber: 'SO-42', severity: 'urgent' });
    expect(s.answers.expectedBy).toBe('2026-11-26T10:00:00.000Z');
  });

  it('rejects bad answers with a hint and keeps the question', () => {
    const s = walk(startIntake('d2'), 'Wang');
    expect(answerIntake(s, '12', now)).toEqual({ hint: 'badContact' });
    expect(answerIntake(s, 'not-an-email@', now)).toEqual({ hint: 'badContact' });
    const atOrder = walk(s, '+86 139 1234 5678', 'Lock');
    expect(answerIntake(atOrder, 'x', now)).toEqual({ hint: 'badOrder' });
    const atExpected = chooseIntake(walk(atOrder, 'DD-1', 'The lock does not open anymore'), { severity: 'normal' });
    expect(answerIntake(atExpected, 'soon', now)).toEqual({ hint: 'badExpected' });
    expect(answerIntake(atExpected, '2020-01-01', now)).toEqual({ hint: 'pastExpected' });
  });

  it('goes back one question; answering it returns to the first open question', () => {
    const s = walk(startIntake('d3'), 'Wang', 'w@example.com', 'Lock');
    const back = stepBack(s);
    expect(back.step).toBe('product');
    const again = walk(back, 'Smart lock');
    expect(again.step).toBe('order');
    expect(again.answers.product).toBe('Smart lock');
  });

  it('a first free-text message prefills the description', () => {
    const s = walk(startIntake('d4', 'My router reboots every hour'), 'Zhang', 'z@example.com', 'Router', 'SO-77');
    expect(s.step).toBe('urgency');
    expect(s.answers.description).toBe('My router reboots every hour');
  });
});

describe('parseExpected', () => {
  it('reads dates, date-times and relative durations in English and Chinese', () => {
    expect(parseExpected('2026-12-01', now)?.toISOString()).toBe('2026-12-01T23:59:00.000Z');
    expect(parseExpected('2026-12-01 18:00', now)?.toISOString()).toBe('2026-12-01T18:00:00.000Z');
    expect(parseExpected('48h', now)?.toISOString()).toBe('2026-11-25T10:00:00.000Z');
    expect(parseExpected('3 天', now)?.toISOString()).toBe('2026-11-26T10:00:00.000Z');
    expect(parseExpected('2026-02-30', now)).toBeUndefined();
    expect(parseExpected('whenever', now)).toBeUndefined();
  });
});
