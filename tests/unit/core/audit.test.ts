import { describe, it, expect } from 'vitest';
import { canonicalJson, eventHash, GENESIS_HASH, verifyChain, type HashedEvent } from '../../../src/core/audit.js';

type ChainEvent = HashedEvent & { prevHash: string; hash: string };

function body(seq: number, data: unknown): HashedEvent {
  return {
    ticketId: 'T-1',
    seq,
    type: seq === 1 ? 'ticket.created' : 'ticket.progress',
    actor: { kind: 'staff', staffId: 'dave' },
    platform: 'slack',
    data,
    createdAt: new Date(Date.UTC(2027, 0, 4, 1, seq)).toISOString(),
  };
}

/** A correctly hashed chain of `n` events. */
function chain(n: number): ChainEvent[] {
  const out: ChainEvent[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const b = body(seq, { note: `step ${seq}`, n: seq });
    const hash = eventHash(prev, b);
    out.push({ ...b, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

function at(events: ChainEvent[], i: number): ChainEvent {
  const e = events[i];
  if (!e) throw new Error(`no event ${i}`);
  return e;
}

describe('canonicalJson', () => {
  it('does not depend on key order, at any depth', () => {
    const a = { b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'x' } };
    const b = { a: { c: 'x', d: [1, { x: 1, y: 2 }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"c":"x","d":[1,{"x":1,"y":2}]},"b":1}');
  });

  it('keeps array order significant', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it('drops undefined properties and writes dates as ISO strings', () => {
    expect(canonicalJson({ a: undefined, b: null, c: new Date('2027-01-04T01:00:00Z') })).toBe(
      '{"b":null,"c":"2027-01-04T01:00:00.000Z"}',
    );
  });

  it('encodes scalars like JSON', () => {
    expect(canonicalJson('投诉 "x"')).toBe(JSON.stringify('投诉 "x"'));
    expect(canonicalJson(42)).toBe('42');
    expect(canonicalJson(null)).toBe('null');
  });

  it('gives equal hashes for reordered events', () => {
    const e = body(1, { a: 1, b: 2 });
    const reordered: HashedEvent = {
      createdAt: e.createdAt,
      data: { b: 2, a: 1 },
      platform: e.platform,
      actor: { staffId: 'dave', kind: 'staff' },
      type: e.type,
      seq: e.seq,
      ticketId: e.ticketId,
    };
    expect(eventHash(GENESIS_HASH, reordered)).toBe(eventHash(GENESIS_HASH, e));
    expect(eventHash(GENESIS_HASH, e)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('eventHash', () => {
  it('depends on the previous hash and on every field', () => {
    const e = body(1, { a: 1 });
    const h = eventHash(GENESIS_HASH, e);
    expect(eventHash('1'.repeat(64), e)).not.toBe(h);
    expect(eventHash(GENESIS_HASH, { ...e, data: { a: 2 } })).not.toBe(h);
    expect(eventHash(GENESIS_HASH, { ...e, platform: 'discord' })).not.toBe(h);
    expect(eventHash(GENESIS_HASH, { ...e, createdAt: '2027-01-04T01:02:00.000Z' })).not.toBe(h);
  });
});

describe('verifyChain', () => {
  it('an intact chain verifies', () => {
    expect(verifyChain(chain(5))).toBeNull();
  });

  it('an empty chain verifies', () => {
    expect(verifyChain([])).toBeNull();
  });

  it('edited data → hash_mismatch at that seq', () => {
    const events = chain(5);
    events[2] = { ...at(events, 2), data: { note: 'forged', n: 3 } };
    expect(verifyChain(events)).toEqual({ seq: 3, reason: 'hash_mismatch' });
  });

  it('an edited hash → hash_mismatch at that event', () => {
    const events = chain(4);
    events[1] = { ...at(events, 1), hash: 'f'.repeat(64) };
    expect(verifyChain(events)).toEqual({ seq: 2, reason: 'hash_mismatch' });
  });

  it('edited data with a recomputed hash → prev_hash_mismatch on the next event', () => {
    const events = chain(5);
    const victim = at(events, 1);
    const forged = { ...victim, data: { note: 'forged', n: 2 } };
    const { prevHash, hash: _old, ...forgedBody } = forged;
    events[1] = { ...forged, hash: eventHash(prevHash, forgedBody) };
    expect(verifyChain(events)).toEqual({ seq: 3, reason: 'prev_hash_mismatch' });
  });

  it('a first event not linked to the genesis hash → prev_hash_mismatch', () => {
    const b = body(1, {});
    const prev = 'a'.repeat(64);
    expect(verifyChain([{ ...b, prevHash: prev, hash: eventHash(prev, b) }])).toEqual({ seq: 1, reason: 'prev_hash_mismatch' });
  });

  it('a missing event → sequence_gap at the seq after the gap', () => {
    const events = chain(5);
    events.splice(2, 1);
    expect(verifyChain(events)).toEqual({ seq: 4, reason: 'sequence_gap' });
  });

  it('a chain not starting at seq 1 → sequence_gap', () => {
    expect(verifyChain(chain(3).slice(1))).toEqual({ seq: 2, reason: 'sequence_gap' });
  });

  it('reordered events → sequence_gap', () => {
    const events = chain(3);
    const [a, b, c] = [at(events, 0), at(events, 1), at(events, 2)];
    expect(verifyChain([a, c, b])).toEqual({ seq: 3, reason: 'sequence_gap' });
  });
});

describe('verifyChain with the recorded head', () => {
  const chain = () => {
    const events: (HashedEvent & { prevHash: string; hash: string })[] = [];
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= 3; seq++) {
      const body: HashedEvent = { ticketId: 't', seq, type: 'x', actor: { kind: 'system' }, platform: 'system', data: { seq }, createdAt: '2026-11-23T00:00:00.000Z' };
      const hash = eventHash(prev, body);
      events.push({ ...body, prevHash: prev, hash });
      prev = hash;
    }
    return events;
  };

  it('accepts a chain whose head matches', () => {
    const events = chain();
    expect(verifyChain(events, { count: 3, lastHash: events[2]!.hash })).toBeNull();
  });

  it('detects removed trailing events', () => {
    const events = chain();
    const head = { count: 3, lastHash: events[2]!.hash };
    expect(verifyChain(events.slice(0, 2), head)).toEqual({ seq: 3, reason: 'head_mismatch' });
  });
});
