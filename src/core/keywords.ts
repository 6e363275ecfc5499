const LATIN = /[a-z0-9]/i;
const NEGATIONS = ['not ', 'no ', "isn't ", "wasn't ", 'never ', '不', '没', '无需', '不是', '不太', '并不'];

function isLatin(ch: string | undefined): boolean {
  return ch !== undefined && LATIN.test(ch);
}

/**
 * The keywords found in `text`, case-insensitively. Latin keywords match whole words only
 * ("dead" is not in "deadline"); Chinese keywords match anywhere. A keyword directly
 * preceded by a negation ("not urgent", "不急") does not count.
 */
export function findKeywords(text: string, keywords: readonly string[]): string[] {
  const lower = text.toLowerCase();
  return keywords.filter((keyword) => {
    const k = keyword.toLowerCase();
    let from = 0;
    for (;;) {
      const at = lower.indexOf(k, from);
      if (at < 0) return false;
      from = at + 1;
      const wordStart = !isLatin(k[0]) || !isLatin(lower[at - 1]);
      const wordEnd = !isLatin(k[k.length - 1]) || !isLatin(lower[at + k.length]);
      if (!wordStart || !wordEnd) continue;
      const before = lower.slice(Math.max(0, at - 8), at);
      if (NEGATIONS.some((n) => before.endsWith(n))) continue;
      return true;
    }
  });
}
