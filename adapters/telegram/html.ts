/** Telegram's maximum message length. */
export const TELEGRAM_TEXT_MAX = 4096;

/** Escapes text for parse_mode HTML: only <, > and & are special (PLATFORMS.md). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Length as Telegram counts it after parsing: tags removed, entities as one character. */
function visibleLength(html: string): number {
  return [...html.replace(/<[^>]*>/g, '').replace(/&[a-z#0-9]+;/gi, '_')].length;
}

/**
 * Splits an HTML message into parts of at most `max` visible characters, at a line break
 * or space where possible and never inside a tag or an entity.
 */
export function splitHtml(html: string, max = TELEGRAM_TEXT_MAX): string[] {
  const parts: string[] = [];
  let rest = html;
  while (visibleLength(rest) > max) {
    // Walk to the last safe cut within `max` visible characters.
    let visible = 0;
    let i = 0;
    let lastBreak = -1;
    let lastSafe = 0;
    while (i < rest.length && visible < max) {
      const ch = rest[i]!;
      if (ch === '<') {
        i = rest.indexOf('>', i) + 1 || rest.length;
        lastSafe = i;
        continue;
      }
      if (ch === '&') {
        const end = rest.indexOf(';', i);
        i = end > i ? end + 1 : i + 1;
        visible++;
        lastSafe = i;
        continue;
      }
      const cp = rest.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
      visible++;
      lastSafe = i;
      if (ch === '\n' || ch === ' ') lastBreak = i;
    }
    const cut = lastBreak > 0 ? lastBreak : lastSafe;
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest);
  return parts;
}
