import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { botSays, openDemo, press, say, type DemoUnderTest } from '../helpers/browser.js';

// The whole journey in a real headless Chromium against `npm run demo`'s server: the customer
// on the phone (Telegram emulator), Dave on the Slack workspace (Slack emulator), every click
// travelling the production paths (Telegram updates, signed Slack interactions).

let d: DemoUnderTest;

beforeAll(async () => {
  d = await openDemo({ name: 'journey' });
});
afterAll(async () => {
  await d?.stop();
});

const card = (page: Page, number: string) => page.getByTestId('staff-channel').and(page.locator('[data-channel="technical"]')).locator(`[data-testid="ticket-card"][data-ticket="${number}"]`);

async function staffAs(page: Page, id: string) {
  await page.getByTestId('staff-as').selectOption(id);
}

/** Presses a card button and, for a modal, fills its labelled fields and submits it. */
async function modalAction(page: Page, number: string, action: string, fields: Record<string, string>) {
  await card(page, number).locator(`button[data-action="${action}"]`).click();
  const modal = page.getByTestId('modal');
  await modal.waitFor();
  for (const [label, value] of Object.entries(fields)) await modal.getByLabel(label, { exact: false }).first().fill(value);
  await modal.getByTestId('modal-submit').click();
  await modal.waitFor({ state: 'detached' });
}

describe('the demo in a browser', () => {
  it('English: guided intake with the urgency button → ack; card in technical; Dave claims, replies, resolves; the customer confirms and rates', async () => {
    const { page, shot } = d;
    onTestFailed(() => shot('failed'));
    await page.getByTestId('customer-language').selectOption('en');
    await shot('empty');
    await say(page, '/new', 'What is your name');
    await say(page, 'Li Lei, Acme Ltd', 'How can we reach you');
    await say(page, '+86 138 0013 8000', 'Which product');
    await say(page, 'Model X printer', 'order number');
    await say(page, 'SO-2026-0042', 'Describe the problem');
    await say(page, 'The printer shows error E02 since Monday, restarting did not help', 'How urgent');
    await press(page, /Urgent/, 'By when');
    await press(page, 'Skip', 'Please check your report');
    const ack = await press(page, /Submit/, /Your ticket is AC-\d{6}/);
    const number = /AC-\d{6}/.exec((await ack.textContent()) ?? '')![0];
    await shot('acknowledged');

    await staffAs(page, 'dave');
    await card(page, number).waitFor();
    await expect(card(page, number).textContent()).resolves.toContain('Unclaimed');
    await shot('card-in-technical');

    await card(page, number).locator('button[data-action="claim"]').click();
    await card(page, number).filter({ hasText: 'Dave Zhang' }).waitFor();
    await shot('claimed');

    await modalAction(page, number, 'reply', { 'Message to the customer': 'Hello Li Lei, an engineer will call you within the hour.' });
    await botSays(page, 'an engineer will call you within the hour');
    await shot('reply-on-phone');

    await card(page, number).locator('button[data-action="resolve"]').waitFor();
    await modalAction(page, number, 'resolve', { 'What was done': 'Replaced the fuser unit.', 'Follow-up advice': 'Use original toner only.' });
    await botSays(page, 'is resolved');
    await shot('resolved-notice');

    // The result notice and the rating question arrive together; confirming closes the ticket.
    await botSays(page, 'How satisfied');
    await press(page, /Confirm resolved/, 'Thank you for confirming');
    await press(page, '5', 'recommend us');
    await press(page, '9', /comment|Thank you/);
    await card(page, number).filter({ hasText: /Resolved|Closed/ }).waitFor();
    await shot('card-resolved');
    const status = await d.demo.app.database.sql<{ status: string }[]>`select status from tickets where number = ${number}`;
    expect(['resolved', 'closed']).toContain(status[0]!.status);
    const surveys = await d.demo.app.database.sql<{ n: number }[]>`select count(*)::int as n from surveys s join tickets t on t.id = s.ticket_id where t.number = ${number}`;
    expect(surveys[0]!.n).toBeGreaterThan(0);
  });

  it('Chinese: a new customer reports in zh-CN, the page speaks Chinese, Dave replies and resolves, the customer confirms', async () => {
    const { page, shot } = d;
    onTestFailed(() => shot('failed'));
    await page.getByTestId('customer-new').click();
    await expect.poll(() => page.getByTestId('customer-message').count()).toBe(0);
    await page.getByTestId('page-language').selectOption('zh-CN');
    await page.getByTestId('customer-language').selectOption('zh-CN');
    await expect(page.getByTestId('customer-send').textContent()).resolves.toBe('发送');
    await say(page, '/new', '请问您的姓名');
    await say(page, '王芳', '联系方式');
    await say(page, 'wangfang@example.cn', '哪款产品');
    await say(page, '智能门锁', '订单号');
    await say(page, 'DD-88001', '请描述问题');
    await say(page, '门锁坏了，指纹不能用，已经换过电池', '紧急程度');
    await press(page, /紧急/, '何时解决');
    await press(page, '跳过', '请确认您的报告');
    const ack = await press(page, /提交/, /您的工单号为 AC-\d{6}/);
    const number = /AC-\d{6}/.exec((await ack.textContent()) ?? '')![0];
    await shot('zh-acknowledged');

    await staffAs(page, 'dave');
    await card(page, number).waitFor();
    await card(page, number).locator('button[data-action="claim"]').click();
    await card(page, number).filter({ hasText: 'Dave Zhang' }).waitFor();
    await modalAction(page, number, 'reply', { 'Message to the customer': '您好，工程师一小时内联系您。' });
    await botSays(page, '工程师一小时内联系您');
    await card(page, number).locator('button[data-action="resolve"]').waitFor();
    await modalAction(page, number, 'resolve', { 'What was done': '更换了指纹模块。', 'Follow-up advice': '请定期更换电池。' });
    await botSays(page, '已解决');
    await botSays(page, '满意');
    await press(page, /确认已解决/, '感谢您的确认');
    await shot('zh-survey');
    await card(page, number).filter({ hasText: /Resolved|Closed/ }).waitFor();
    await shot('zh-card-resolved');
  });
});
