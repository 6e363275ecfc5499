/**
 * Masks a phone number the usual way: the four digits before the last four are hidden
 * (138****5678, +86 139 **** 5678); numbers shorter than eight digits keep only the last two.
 */
export function maskPhone(phone: string): string {
  const digits = [...phone].filter((c) => /\d/.test(c)).length;
  const hidden = (pos: number) => (digits >= 8 ? pos > digits - 8 && pos <= digits - 4 : pos <= digits - 2);
  let seen = 0;
  return [...phone]
    .map((c) => {
      if (!/\d/.test(c)) return c;
      seen++;
      return hidden(seen) ? '*' : c;
    })
    .join('');
}

/** Masks an e-mail address: a***@example.com. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
