import { describe, expect, it } from 'vitest';
import { formatSpan } from '../../../src/i18n/index.js';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const D = 24 * H;

describe('formatSpan', () => {
  it('shows seconds under a minute, never a rounded-up minute', () => {
    expect(formatSpan(10 * S, 'en')).toBe('10 s');
    expect(formatSpan(59_999, 'en')).toBe('59 s');
    expect(formatSpan(400, 'en')).toBe('0 s');
    expect(formatSpan(45 * S, 'en', 'long')).toBe('45 seconds');
    expect(formatSpan(1 * S, 'en', 'long')).toBe('1 second');
    expect(formatSpan(10 * S, 'zh-CN')).toBe('10 秒');
    expect(formatSpan(45 * S, 'zh-CN', 'long')).toBe('45 秒');
  });

  it('never shows more time than there is: 90 s is 1 min 30 s, not 2 min', () => {
    expect(formatSpan(90 * S, 'en')).toBe('1 min 30 s');
    expect(formatSpan(90 * S, 'en', 'long')).toBe('1 minute 30 seconds');
    expect(formatSpan(90 * S, 'zh-CN')).toBe('1 分钟 30 秒');
    expect(formatSpan(150 * S, 'en')).toBe('2 min 30 s');
    expect(formatSpan(2 * H - 1, 'en')).toBe('1 h 59 min');
    expect(formatSpan(2 * D - 1, 'en')).toBe('1 d 23 h');
  });

  it('keeps the two largest units and drops a zero second one', () => {
    expect(formatSpan(45 * MIN, 'en')).toBe('45 min');
    expect(formatSpan(60 * MIN, 'en')).toBe('1 h');
    expect(formatSpan(90 * MIN, 'en')).toBe('1 h 30 min');
    expect(formatSpan(2 * D + 3 * H + 15 * MIN, 'en')).toBe('2 d 3 h');
    expect(formatSpan(D + 5 * MIN, 'en')).toBe('1 d');
    expect(formatSpan(2 * H, 'en', 'long')).toBe('2 hours');
    expect(formatSpan(15 * MIN, 'en', 'long')).toBe('15 minutes');
    expect(formatSpan(3 * D, 'en', 'long')).toBe('3 days');
    expect(formatSpan(1 * H, 'en', 'long')).toBe('1 hour');
  });

  it('speaks Chinese for zh-CN and ignores the sign', () => {
    expect(formatSpan(45 * MIN, 'zh-CN')).toBe('45 分钟');
    expect(formatSpan(90 * MIN, 'zh-CN', 'long')).toBe('1 小时 30 分钟');
    expect(formatSpan(-(3 * D + 125 * MIN), 'zh-CN')).toBe('3 天 2 小时');
    expect(formatSpan(-90 * MIN, 'en')).toBe('1 h 30 min');
  });
});
