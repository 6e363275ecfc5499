import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanText, hasControlChars, hasLoneSurrogate, isBlank, neutraliseBidi, normaliseNewlines } from '../../../src/core/text.js';

describe('control characters', () => {
  it('finds NUL, other C0, DEL and C1 characters but not tab, newline or carriage return', () => {
    for (const c of ['\u0000', '\u0001', '\u0008', '\u000B', '\u000C', '\u001B', '\u001F', '\u007F', '\u0085', '\u009F']) {
      expect(hasControlChars(`a${c}b`), JSON.stringify(c)).toBe(true);
    }
    for (const ok of ['a\tb', 'a\nb', 'a\r\nb', 'a\rb', 'plain', '中文 😀', '']) expect(hasControlChars(ok), JSON.stringify(ok)).toBe(false);
  });

  it('normalises \\r\\n and a lone \\r to \\n', () => {
    expect(normaliseNewlines('a\r\nb\rc\nd')).toBe('a\nb\nc\nd');
  });
});

describe('lone surrogates', () => {
  it('finds an unpaired high or low surrogate, not a pair', () => {
    expect(hasLoneSurrogate('\ud800')).toBe(true);
    expect(hasLoneSurrogate('a\udc00b')).toBe(true);
    expect(hasLoneSurrogate('x\ud83d')).toBe(true);
    expect(hasLoneSurrogate('😀')).toBe(false);
    expect(hasLoneSurrogate('\ud83d\ude00')).toBe(false);
  });
});

describe('isBlank', () => {
  it('counts whitespace and invisible characters as nothing', () => {
    for (const s of ['', '   ', '\u200B', '\u200B\u200C\u200D', ' \u2060\uFEFF ', '\u00AD', '\u3164', '\u115F\u1160', '\u2800', '\u202E', '\u3000\u00A0', '\uFE0F', '\u{E0020}']) {
      expect(isBlank(s), JSON.stringify(s)).toBe(true);
    }
  });
  it('keeps any visible character, emoji with joiners included', () => {
    for (const s of ['a', ' . ', '\u200Bx', '👩‍💻', '中', '0']) expect(isBlank(s), s).toBe(false);
  });
});

describe('cleanText', () => {
  it('strips control characters, keeps tab and newline, trims', () => {
    expect(cleanText('  hel\u0000lo\u0007\r\nworld\t! ')).toBe('hello\nworld\t!');
  });
  it('replaces lone surrogates and empties invisible-only text', () => {
    expect(cleanText('a\ud800b')).toBe('a\uFFFDb');
    expect(cleanText('\u200B\u200D \uFEFF')).toBe('');
    expect(cleanText('\u0000')).toBe('');
  });
  it('property: the result never holds control characters or lone surrogates and is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const c = cleanText(s);
        expect(hasControlChars(c)).toBe(false);
        expect(hasLoneSurrogate(c)).toBe(false);
        expect(c.includes('\r')).toBe(false);
        expect(cleanText(c)).toBe(c);
        if (c !== '') expect(isBlank(c)).toBe(false);
      }),
    );
  });
  it('property: text without control characters only loses surrounding whitespace', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        fc.pre(!hasControlChars(s) && !s.includes('\r') && !isBlank(s));
        expect(cleanText(s)).toBe(s.trim());
      }),
    );
  });
});

describe('neutraliseBidi', () => {
  it('removes embeddings, overrides, isolates and marks', () => {
    expect(neutraliseBidi('Li \u202Egnp.exe\u202C Lei')).toBe('Li gnp.exe Lei');
    expect(neutraliseBidi('\u2066a\u2067b\u2068c\u2069\u200E\u200F\u061C\u202A\u202B\u202D')).toBe('abc');
  });
  it('property: no bidi control survives, other text is unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const n = neutraliseBidi(s);
        expect(/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/.test(n)).toBe(false);
        expect(neutraliseBidi(n)).toBe(n);
      }),
    );
    expect(neutraliseBidi('打印机 E02 — ok')).toBe('打印机 E02 — ok');
  });
});
