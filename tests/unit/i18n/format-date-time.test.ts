import { describe, expect, it } from 'vitest';
import { formatDateTime } from '../../../src/i18n/index.js';

const at = (iso: string) => new Date(iso);

describe('formatDateTime', () => {
  it('prints the moment to the minute in the given zone, naming its offset', () => {
    expect(formatDateTime(at('2027-03-01T14:05:59Z'), 'en', 'Asia/Shanghai')).toBe('1 Mar 2027, 22:05 UTC+8');
    expect(formatDateTime(at('2027-03-01T14:05:59Z'), 'zh-CN', 'Asia/Shanghai')).toBe('2027年3月1日 22:05（UTC+8）');
    expect(formatDateTime(at('2027-03-01T18:30:00Z'), 'en', 'Asia/Shanghai')).toBe('2 Mar 2027, 02:30 UTC+8');
  });

  it('follows daylight saving time: Berlin is UTC+1 in winter and UTC+2 in summer', () => {
    expect(formatDateTime(at('2027-03-28T00:30:00Z'), 'en', 'Europe/Berlin')).toBe('28 Mar 2027, 01:30 UTC+1');
    expect(formatDateTime(at('2027-03-28T01:30:00Z'), 'en', 'Europe/Berlin')).toBe('28 Mar 2027, 03:30 UTC+2');
    expect(formatDateTime(at('2027-10-31T00:30:00Z'), 'zh-CN', 'Europe/Berlin')).toBe('2027年10月31日 02:30（UTC+2）');
    expect(formatDateTime(at('2027-10-31T01:30:00Z'), 'zh-CN', 'Europe/Berlin')).toBe('2027年10月31日 02:30（UTC+1）');
  });

  it('shows half-hour and negative offsets', () => {
    expect(formatDateTime(at('2027-03-01T14:00:00Z'), 'en', 'Asia/Kolkata')).toBe('1 Mar 2027, 19:30 UTC+5:30');
    expect(formatDateTime(at('2027-01-01T14:00:00Z'), 'en', 'America/New_York')).toBe('1 Jan 2027, 09:00 UTC-5');
  });

  it('falls back to UTC without a zone or with an unknown one, and says so', () => {
    expect(formatDateTime(at('2027-03-01T14:05:00Z'), 'en')).toBe('1 Mar 2027, 14:05 UTC');
    expect(formatDateTime(at('2027-03-01T14:05:00Z'), 'zh-CN', 'UTC')).toBe('2027年3月1日 14:05（UTC）');
    expect(formatDateTime(at('2027-03-01T14:05:00Z'), 'en', 'Mars/Olympus_Mons')).toBe('1 Mar 2027, 14:05 UTC');
  });

  it('reads ISO strings in any offset, takes zh* for Chinese, and passes a non-date string through', () => {
    expect(formatDateTime('2027-03-01T22:05:00+08:00', 'en', 'UTC')).toBe('1 Mar 2027, 14:05 UTC');
    expect(formatDateTime('2027-03-01T22:05:00+08:00', 'zh', 'Asia/Shanghai')).toBe('2027年3月1日 22:05（UTC+8）');
    expect(formatDateTime('soon', 'en', 'Asia/Shanghai')).toBe('soon');
  });
});
