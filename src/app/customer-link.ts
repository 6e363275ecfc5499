import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What a customer link may do: see its ticket, confirm, report not resolved, rate. Written
 * into the signed part, so a token made for anything else does not verify here.
 */
export const CUSTOMER_LINK_SCOPE = 'cust';

export interface CustomerLinkClaims {
  /** Ticket number, e.g. AC-000001. */
  number: string;
  expiresAt: Date;
}

export type CustomerLinkCheck = { ok: true; claims: CustomerLinkClaims } | { ok: false; reason: 'invalid' | 'expired' };

function mac(secret: string, body: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

/**
 * A signed, expiring token for one ticket's customer page:
 * `<number>.<expiry, unix seconds in base 36>.<scope>.<base64url HMAC-SHA256 of the rest>`.
 * Short enough for a path segment; holds no personal data.
 */
export function signCustomerLink(secret: string, number: string, expiresAt: Date): string {
  const body = `${number}.${Math.floor(expiresAt.getTime() / 1000).toString(36)}.${CUSTOMER_LINK_SCOPE}`;
  return `${body}.${mac(secret, body).toString('base64url')}`;
}

const TOKEN = /^(AC-\d{6,12})\.([0-9a-z]{1,10})\.([a-z]{1,10})\.([A-Za-z0-9_-]{43})$/;

/** Checks a token's signature, scope and expiry against `now`. Never throws. */
export function verifyCustomerLink(secret: string, token: string, now: Date): CustomerLinkCheck {
  const m = TOKEN.exec(token);
  if (!m) return { ok: false, reason: 'invalid' };
  const [, number, exp, scope, sig] = m as unknown as [string, string, string, string, string];
  const expected = mac(secret, `${number}.${exp}.${scope}`);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected) || scope !== CUSTOMER_LINK_SCOPE) return { ok: false, reason: 'invalid' };
  const expiresAt = new Date(parseInt(exp, 36) * 1000);
  if (now.getTime() >= expiresAt.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { number, expiresAt } };
}
