import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { parseConfigText } from '../../src/config/load-config.js';
import type { AftercareConfig } from '../../src/core/types.js';
import { DEMO_CONFIG_PATH } from '../../src/demo/start-demo.js';
import { botSays, openDemo, press, say, type DemoUnderTest } from '../helpers/browser.js';

// config/demo.yaml with a tighter first response (8 s, reminder half way) so the ladder starts
// within seconds, and the verification callback 6 s after resolving; the rest as shipped.
function tightDemoConfig(): AftercareConfig {
  const c = parseConfigText(readFileSync(DEMO_CONFIG_PATH(), 'utf8'), 'demo');
  const seconds = (s: number) => ({ normal: s * 1000, urgent: s * 1000, critical: s * 1000 });
  const clocks = {
    ...c.sla.clocks,
    first_response: { ...c.sla.clocks.first_response, budgets: seconds(8) },
    verification_callback: { ...c.sla.clocks.verification_callback, budgets: seconds(6) },
  };
  return { ...c, sla: { ...c.sla, clocks } };
}

let d: DemoUnderTest;

beforeAll(async () => {
  d = await openDemo({ name: 'escalation', config: tightDemoConfig() });
});
afterAll(async () => {
  await d?.stop();
});

describe('the demo in a browser: an unclaimed urgent ticket', () => {
  it('shows the clock, the reminder, then the supervisor’s escalation DM; Acknowledge stops the ladder', async () => {
    const { page, shot, demo } = d;
    onTestFailed(() => shot('failed'));
    const res = await fetch(`${demo.url}/api/tickets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        customer: { name: 'Li Lei', phone: '+86 138 0013 8000', language: 'en' },
        product: 'Model X printer',
        orderNumber: 'SO-2026-0100',
        description: 'The printer is broken and shows error E02; the whole office cannot print.',
        severity: 'urgent',
      }),
    });
    expect(res.status).toBe(201);
    const { number } = (await res.json()) as { number: string };

    const technical = page.locator('[data-testid="staff-channel"][data-channel="technical"]');
    await technical.locator(`[data-testid="ticket-card"][data-ticket="${number}"]`).waitFor();
    await page.locator(`[data-testid="clock"][data-ticket="${number}"][data-kind="first_response"]`).waitFor();
    await shot('clock-running');

    await technical.getByText(`${number}: First response due in`, { exact: false }).or(technical.getByText(/due in/)).first().waitFor({ timeout: 20_000 });
    await shot('reminder');

    // Erin supervises the technical department: the ladder's first level.
    await page.getByTestId('staff-as').selectOption('erin');
    const dm = page.getByTestId('staff-dm');
    const ack = dm.locator('button[data-action="acknowledge"]');
    await ack.first().waitFor({ timeout: 30_000 });
    await expect(dm.textContent()).resolves.toContain(number);
    await shot('escalation-dm');

    await ack.first().click();
    await expect
      .poll(async () => (await demo.app.database.sql<{ status: string }[]>`select e.status from escalations e join tickets t on t.id = e.ticket_id where t.number = ${number}`)[0]?.status, { timeout: 20_000 })
      .toBe('acknowledged');
    await page.locator('[data-testid="staff-channel"][data-channel="escalations"]').getByText(/Acknowledged by|确认/).first().waitFor({ timeout: 20_000 });
    await shot('acknowledged');
  });

  it('the fault’s verification callback (days after the fix, seconds here) reaches the phone and is answered', async () => {
    const { page, shot, demo } = d;
    onTestFailed(() => shot('callback-failed'));
    await page.getByTestId('customer-new').click();
    await expect.poll(() => page.getByTestId('customer-message').count()).toBe(0);
    await say(page, '/new', 'What is your name');
    await say(page, 'Tom Baker', 'How can we reach you');
    await say(page, 'tom@example.com', 'Which product');
    await say(page, 'Model S scanner', 'order number');
    await say(page, 'SO-2026-0200', 'Describe the problem');
    await say(page, 'The scanner is broken: it stops half way through every page and shows error E05', 'How urgent');
    await press(page, /Normal/, 'By when');
    await press(page, 'Skip', 'Please check your report');
    const ack = await press(page, /Submit/, /Your ticket is AC-\d{6}/);
    const number = /AC-\d{6}/.exec((await ack.textContent()) ?? '')![0];
    const act = async (json: object) => {
      const res = await fetch(`${demo.url}/api/tickets/${number}/actions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${demo.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ actor: 'dave', ...json }),
      });
      expect(res.status).toBe(200);
    };
    await act({ type: 'claim' });
    await act({ type: 'resolve', measures: 'Cleaned the paper feed rollers.', advice: 'Clean them every month.' });
    await botSays(page, 'is resolved');
    await press(page, /Confirm resolved/, 'Thank you for confirming');
    await botSays(page, /Is it still working/);
    await shot('verification-callback');
    await press(page, /Still fixed/, 'glad it holds');
    await shot('verification-answered');
  });
});
