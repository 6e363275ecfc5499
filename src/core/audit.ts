import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The fields of an event that its hash covers. */
export interface HashedEvent {
  ticketId: string;
  seq: number;
  type: string;
  actor: unknown;
  platform: string;
  data: unknown;
  createdAt: string; // ISO 8601
}

export const GENESIS_HASH = '0'.repeat(64);

/** `hash` = SHA-256(prev_hash + canonical event JSON), hex. */
export function eventHash(prevHash: string, event: HashedEvent): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(event)).digest('hex');
}

export interface ChainBreak {
  seq: number;
  reason: 'prev_hash_mismatch' | 'hash_mismatch' | 'sequence_gap' | 'head_mismatch';
}

/**
 * Walks a ticket's events in order and returns the first break, or null when the chain verifies.
 * With `head` (the count and last hash recorded on the ticket), removed trailing events are caught too.
 */
export function verifyChain(
  events: (HashedEvent & { prevHash: string; hash: string })[],
  head?: { count: number; lastHash: string | null },
): ChainBreak | null {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for (const e of events) {
    if (e.seq !== expectedSeq) return { seq: e.seq, reason: 'sequence_gap' };
    if (e.prevHash !== prev) return { seq: e.seq, reason: 'prev_hash_mismatch' };
    const { prevHash: _p, hash, ...body } = e;
    if (eventHash(prev, body) !== hash) return { seq: e.seq, reason: 'hash_mismatch' };
    prev = hash;
    expectedSeq++;
  }
  if (head && (head.count !== events.length || (head.count > 0 && head.lastHash !== prev))) {
    return { seq: Math.min(head.count, events.length) + 1, reason: 'head_mismatch' };
  }
  return null;
}
