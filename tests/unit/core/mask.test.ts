import { describe, it, expect } from 'vitest';
import { maskEmail, maskPhone } from '../../../src/core/mask.js';

describe('maskPhone', () => {
  it('hides the four digits before the last four', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('12345678')).toBe('****5678');
  });

  it('keeps separators and counts only digits', () => {
    expect(maskPhone('138-1234-5678')).toBe('138-****-5678');
    expect(maskPhone('+86 139 1234 5678')).toBe('+86 139 **** 5678');
  });

  it('numbers shorter than eight digits keep only the last two', () => {
    expect(maskPhone('1234567')).toBe('*****67');
    expect(maskPhone('12-34')).toBe('**-34');
  });

  it('never shows the hidden block of a long number', () => {
    const masked = maskPhone('0049301234567890');
    expect(masked).toBe('00493012****7890');
    expect(masked).not.toContain('3456');
  });
});

describe('maskEmail', () => {
  it('keeps the first letter and the domain', () => {
    expect(maskEmail('alice@example.com')).toBe('a***@example.com');
    expect(maskEmail('王小明@公司.cn')).toBe('王***@公司.cn');
  });

  it('uses the last @', () => {
    expect(maskEmail('"a@b"@example.com')).toBe('"***@example.com');
  });

  it('hides anything that is not an address', () => {
    expect(maskEmail('not-an-email')).toBe('***');
    expect(maskEmail('@example.com')).toBe('***');
  });
});
