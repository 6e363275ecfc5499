import { describe, expect, it } from 'vitest';
import { detectTone } from '../../../src/core/tone.js';

describe('detectTone', () => {
  it('flags threats and anger in English and Chinese', () => {
    expect(detectTone('I will call my lawyer').reasons).toEqual(['lawyer']);
    expect(detectTone('Give me a refund now').angry).toBe(true);
    expect(detectTone('再不处理我就曝光你们，给差评').reasons).toEqual(['曝光', '差评']);
    expect(detectTone('Still broken!!!').reasons).toEqual(['!!!']);
    expect(detectTone('还是不行！！！').angry).toBe(true);
  });

  it('leaves calm messages alone', () => {
    expect(detectTone('Thanks, the printer works again!')).toEqual({ angry: false, reasons: [] });
    expect(detectTone('请问什么时候能到？')).toEqual({ angry: false, reasons: [] });
    expect(detectTone('The courtyard door sensor').angry).toBe(false);
  });
});
