import { describe, it, expect } from 'vitest';
import { classify, suggestCategory, suggestSeverity } from '../../../src/core/classify.js';
import type { Category, Severity } from '../../../src/core/types.js';

describe('suggestCategory', () => {
  it.each([
    // zh-CN
    ['打印机坏了', 'fault', '坏了'],
    ['设备出现故障，屏幕黑屏', 'fault', '故障'],
    ['软件不能用了', 'fault', '不能用'],
    ['我要投诉你们的服务', 'complaint', '投诉'],
    ['客服态度很差', 'complaint', '态度'],
    ['建议在应用里加一个夜间模式', 'suggestion', '建议'],
    ['请告诉我怎么修改密码', 'inquiry', '怎么'],
    // en
    ['The scanner is broken since Monday', 'fault', 'broken'],
    ['The app is NOT WORKING after the update', 'fault', 'not working'],
    ['I want to complain about the delivery', 'complaint', 'complain'],
    ['Your agent was rude to me', 'complaint', 'rude'],
    ['I suggest a dark mode', 'suggestion', 'suggest'],
    ['How do I reset my password?', 'inquiry', 'how do i'],
  ] as [string, Category, string][])('%s → %s', (text, category, keyword) => {
    const s = suggestCategory(text);
    expect(s.value).toBe(category);
    expect(s.matched).toContain(keyword);
  });

  it('defaults to inquiry with no matched keywords when nothing matches', () => {
    expect(suggestCategory('Hello there')).toEqual({ value: 'inquiry', matched: [] });
    expect(suggestCategory('你好')).toEqual({ value: 'inquiry', matched: [] });
    expect(suggestCategory('')).toEqual({ value: 'inquiry', matched: [] });
  });

  it('complaint outranks fault when both appear', () => {
    const s = suggestCategory('机器坏了，而且客服态度恶劣，我要投诉');
    expect(s.value).toBe('complaint');
    expect(s.matched).toEqual(expect.arrayContaining(['投诉', '态度', '恶劣']));
    expect(s.matched).not.toContain('坏了');
  });

  it('fault outranks an inquiry phrasing', () => {
    expect(suggestCategory('怎么办，电脑坏了').value).toBe('fault');
    expect(suggestCategory('How do I fix this error?').value).toBe('fault');
  });
});

describe('suggestSeverity', () => {
  it.each([
    ['工厂停产了', 'critical', '停产'],
    ['Our production down since 8am', 'critical', 'production down'],
    ['PRODUCTION DOWN', 'critical', 'production down'],
    ['非常紧急，请处理', 'urgent', '紧急'],
    ['This is urgent', 'urgent', 'urgent'],
  ] as [string, Severity, string][])('%s → %s', (text, severity, keyword) => {
    const s = suggestSeverity(text);
    expect(s.value).toBe(severity);
    expect(s.matched).toContain(keyword);
  });

  it('critical outranks urgent when both appear', () => {
    expect(suggestSeverity('紧急！生产线停产').value).toBe('critical');
    expect(suggestSeverity('urgent: production down').value).toBe('critical');
  });

  it('defaults to normal', () => {
    expect(suggestSeverity('the screen flickers a little')).toEqual({ value: 'normal', matched: [] });
  });
});

describe('classify', () => {
  it('uses the suggestion when the customer chose nothing', () => {
    const c = classify('设备故障，紧急', {});
    expect(c.category).toBe('fault');
    expect(c.severity).toBe('urgent');
    expect(c.source).toEqual({ category: 'suggested', severity: 'suggested' });
    expect(c.suggested.category.value).toBe('fault');
    expect(c.suggested.severity.value).toBe('urgent');
  });

  it("the customer's choice wins but the suggestion is still reported", () => {
    const c = classify('建议增加导出功能', { category: 'complaint', severity: 'critical' });
    expect(c.category).toBe('complaint');
    expect(c.severity).toBe('critical');
    expect(c.source).toEqual({ category: 'customer', severity: 'customer' });
    expect(c.suggested.category).toEqual({ value: 'suggestion', matched: ['建议'] });
    expect(c.suggested.severity).toEqual({ value: 'normal', matched: [] });
  });

  it('mixes a chosen category with a suggested severity', () => {
    const c = classify('production down, line stopped', { category: 'inquiry', severity: undefined });
    expect(c.category).toBe('inquiry');
    expect(c.severity).toBe('critical');
    expect(c.source).toEqual({ category: 'customer', severity: 'suggested' });
    expect(c.suggested.category.value).toBe('inquiry');
  });

  it('falls back to inquiry / normal with nothing to go on', () => {
    const c = classify('hi', {});
    expect(c.category).toBe('inquiry');
    expect(c.severity).toBe('normal');
    expect(c.suggested.category.matched).toEqual([]);
  });
});

describe('keyword matching', () => {
  it('matches Latin keywords as whole words only', () => {
    expect(suggestCategory('How do I extend the deadline?').value).toBe('inquiry');
    expect(suggestCategory('The unit is dead').value).toBe('fault');
  });

  it('ignores negated keywords', () => {
    expect(suggestSeverity('不急，有空再处理').value).toBe('normal');
    expect(suggestSeverity('this is not urgent').value).toBe('normal');
    expect(suggestSeverity('很急，请尽快处理').value).toBe('urgent');
  });
});
