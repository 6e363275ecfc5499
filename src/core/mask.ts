/** Masks a phone number, keeping the first 3 and last 2 digits: +86 138****78. */
export function maskPhone(phone: string): string {
  const digits = [...phone].filter((c) => /\d/.test(c)).length;
  if (digits <= 4) return '*'.repeat(phone.length);
  let seen = 0;
  return [...phone]
    .map((c) => {
      if (!/\d/.test(c)) return c;
      seen++;
      return seen <= 3 || seen > digits - 2 ? c : '*';
    })
    .join('');
}

/** Masks an e-mail address: a***@example.com. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
