import { describe, expect, it } from 'vitest';
import { CallbackSigner } from '../../../../adapters/telegram/callback-data.js';
import { escapeHtml, splitHtml } from '../../../../adapters/telegram/html.js';
import { renderForCustomer } from '../../../../adapters/telegram/telegram-gateway.js';

describe('CallbackSigner', () => {
  const signer = new CallbackSigner('k');

  it('round-trips, stays within 64 bytes, and binds the data to the chat', () => {
    const data = signer.sign('123456789', 'np', 'AC-000123:10');
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    expect(signer.verify('123456789', data)).toEqual({ action: 'np', arg: 'AC-000123:10' });
    expect(signer.verify('987654321', data)).toBeUndefined();
  });

  it('refuses tampered data', () => {
    const data = signer.sign('1', 'cs', 'AC-000001:1');
    expect(signer.verify('1', data.replace('AC-000001:1', 'AC-000001:5'))).toBeUndefined();
    expect(signer.verify('1', 'cs|AC-000001:5')).toBeUndefined();
    expect(new CallbackSigner('other').verify('1', data)).toBeUndefined();
  });
});

describe('HTML for Telegram', () => {
  it('escapes only <, > and &', () => {
    expect(escapeHtml('<b>"a" & \'b\'</b>')).toBe('&lt;b&gt;"a" &amp; \'b\'&lt;/b&gt;');
  });

  it('splits long messages at spaces, never inside a tag or entity, each part within the limit', () => {
    const text = `<b>Header</b>\n${'word &amp; '.repeat(1200)}`;
    const parts = splitHtml(text, 4096);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) {
      const visible = [...p.replace(/<[^>]*>/g, '').replace(/&[a-z]+;/g, '_')].length;
      expect(visible).toBeLessThanOrEqual(4096);
      expect(p).not.toMatch(/&[a-z]*$/);
      expect(p).not.toMatch(/<[^>]*$/);
    }
    expect(parts.join(' ').replace(/\s+/g, ' ').trim()).toBe(text.replace(/\s+/g, ' ').trim());
  });

  it('leaves short messages whole', () => {
    expect(splitHtml('hello')).toEqual(['hello']);
  });
});

describe('renderForCustomer', () => {
  it('escapes staff text and names, in the customer language', () => {
    const r = renderForCustomer('customer.reply', { number: 'AC-000001', staffName: '<Eve>', text: '<i>x</i>' }, 'zh-CN');
    expect(r?.html).toContain('&lt;Eve&gt;');
    expect(r?.html).toContain('&lt;i&gt;x&lt;/i&gt;');
    expect(r?.html).toContain('（AC-000001）');
  });

  it('puts the confirmation buttons on the result notice and the CSAT scale on the survey', () => {
    expect(renderForCustomer('customer.result_notice', { number: 'AC-000002', measures: 'm', advice: 'a' }, 'en')?.buttons?.[0]?.map((b) => b.action)).toEqual(['rc', 'rn']);
    expect(renderForCustomer('customer.survey', { number: 'AC-000002' }, 'en')?.buttons?.[0]).toHaveLength(5);
  });

  it('promises no more than the first-response budget, in seconds when it is under a minute', () => {
    const ack = (promisedMs: number, language: string) => renderForCustomer('customer.acknowledgement', { number: 'AC-000004', promisedMs }, language)?.html;
    expect(ack(90_000, 'en')).toContain('within 1 minute 30 seconds.');
    expect(ack(45_000, 'en')).toContain('within 45 seconds.');
    expect(ack(7_200_000, 'en')).toContain('within 2 hours.');
    expect(ack(90_000, 'zh-CN')).toContain('将在 1 分钟 30 秒内');
  });

  it('shows an ETA in the service’s time zone carried by the message, UTC when it carries none', () => {
    const eta = '2027-03-01T14:00:00.000Z';
    expect(renderForCustomer('customer.progress', { number: 'AC-000005', text: 'parts', eta, timeZone: 'Asia/Shanghai' }, 'en')?.html).toContain('Expected: 1 Mar 2027, 22:00 UTC+8');
    expect(renderForCustomer('customer.overdue', { number: 'AC-000005', reason: 'late', eta, timeZone: 'Asia/Shanghai' }, 'zh-CN')?.html).toContain('2027年3月1日 22:00（UTC+8）');
    expect(renderForCustomer('customer.overdue', { number: 'AC-000005', reason: 'late', eta }, 'en')?.html).toContain('1 Mar 2027, 14:00 UTC');
  });

  it('does not render staff-only kinds for customers', () => {
    expect(renderForCustomer('ticket.card', { number: 'AC-000003' }, 'en')).toBeUndefined();
  });
});

describe('pollUpdates', () => {
  it('pauses between empty answers from a server that ignores the long-poll timeout', async () => {
    const { pollUpdates } = await import('../../../../adapters/telegram/index.js');
    const calls: number[] = [];
    const abort = new AbortController();
    const api = {
      getUpdates: () => {
        calls.push(Date.now());
        if (calls.length === 3) abort.abort();
        return Promise.resolve([]);
      },
    };
    for await (const _ of pollUpdates(api as never, abort.signal, () => {})) {
      // no updates are ever returned
    }
    expect(calls).toHaveLength(3);
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(450);
    expect(calls[2]! - calls[1]!).toBeGreaterThanOrEqual(450);
  });

  it('confirms an update (offset) only after it was handled', async () => {
    const { pollUpdates } = await import('../../../../adapters/telegram/index.js');
    const offsets: (number | undefined)[] = [];
    const abort = new AbortController();
    const batches = [[{ update_id: 7 }, { update_id: 8 }], []];
    const api = {
      getUpdates: (p: { offset?: number }) => {
        offsets.push(p.offset);
        const next = batches.shift();
        if (!next) abort.abort();
        return Promise.resolve(next ?? []);
      },
    };
    const seen: number[] = [];
    for await (const u of pollUpdates(api as never, abort.signal, () => {})) seen.push(u.update_id);
    expect(seen).toEqual([7, 8]);
    expect(offsets.slice(0, 2)).toEqual([undefined, 9]);
  });
});
