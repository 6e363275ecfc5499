/**
 * The text rules every boundary applies to what people type (HTTP bodies, chat messages,
 * modal values) and to customer text shown to staff. Pure functions, no I/O.
 *
 * - Control characters: C0 (except tab and newline), DEL and C1. Postgres refuses NUL in text
 *   and the others only garble what staff read. A carriage return is a newline (`\r\n` and a
 *   lone `\r` become `\n`), never a control character.
 * - Lone surrogates: half of a UTF-16 pair; not Unicode text, so not storable as UTF-8/jsonb.
 * - Invisible characters: whitespace, zero-width and other format characters (Unicode
 *   Default_Ignorable_Code_Point, Cf), Hangul and braille fillers. A text made only of them is
 *   empty, the same as a whitespace-only one.
 * - Bidi controls (embeddings, overrides, isolates, marks) can make staff read customer text in
 *   another order than it was written; {@link neutraliseBidi} removes them before rendering.
 */

// C0 without \t (09) and \n (0A); \r (0D) is handled as a newline before this is checked.
/* eslint-disable no-control-regex -- finding control characters is the point */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;
const CONTROL_ALL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
/* eslint-enable no-control-regex */
// Without the u flag a regex sees UTF-16 code units, so an unpaired half is visible to it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATE_ALL = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// U+115F/U+1160/U+3164/U+FFA0 (Hangul fillers) are Default_Ignorable; U+2800 (braille blank) is not but shows nothing.
const INVISIBLE = /[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\p{Cs}\u2800]/gu;
// LRE RLE PDF LRO RLO, LRI RLI FSI PDI, LRM RLM, ALM.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/** `\r\n` and a lone `\r` become `\n`. */
export function normaliseNewlines(s: string): string {
  return s.replace(/\r\n?/g, '\n');
}

/** True if `s` holds a control character other than tab and newline (a `\r` counts as a newline). */
export function hasControlChars(s: string): boolean {
  return CONTROL.test(normaliseNewlines(s));
}

/** True if `s` holds half of a UTF-16 surrogate pair without the other half. */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

/** True if `s` shows nothing: only whitespace and invisible (zero-width, format, filler) characters. */
export function isBlank(s: string): boolean {
  return s.replace(INVISIBLE, '') === '';
}

/**
 * Chat input made safe to store: newlines normalised, control characters removed, lone
 * surrogates replaced by U+FFFD, surrounding whitespace trimmed, and a text that shows nothing
 * returned as `''` so callers treat it as empty.
 */
export function cleanText(s: string): string {
  const cleaned = normaliseNewlines(s).replace(CONTROL_ALL, '').replace(LONE_SURROGATE_ALL, '\uFFFD').trim();
  return isBlank(cleaned) ? '' : cleaned;
}

/** Customer text as staff may see it: without the bidi controls that could reorder it. */
export function neutraliseBidi(s: string): string {
  return s.replace(BIDI_CONTROLS, '');
}
