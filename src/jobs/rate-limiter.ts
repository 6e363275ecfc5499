import type { Redis } from 'ioredis';
import type { RateLane } from '../app/chat-gateway.js';

/**
 * A sliding window log over Redis: each lane key is a sorted set of the moments its sends
 * were let through, so no window of `perMs` (plus a small guard for the time a request
 * takes to arrive) ever holds more than `max` sends, shared by every worker process. A
 * platform counting in fixed windows (Telegram's 30 per second, Discord's buckets) then
 * never sees more than its limit either; a GCRA with a burst of `max` lets up to twice
 * `max` into one window and earns 429s.
 * Over several lanes (KEYS[i] with ARGV[2i-1] window, ARGV[2i] max) in one round trip: when
 * every lane has room, the send is recorded on all of them and 0 comes back; otherwise
 * nothing is recorded and the longest wait (ms) comes back. A lane held by a Retry-After
 * (`<key>:hold`) waits for that too.
 */
const SLIDING = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local wait = 0
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[2 * i - 1])
  local max = tonumber(ARGV[2 * i])
  local held = redis.call('PTTL', key .. ':hold')
  if held > wait then wait = held end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local n = redis.call('ZCARD', key)
  if n >= max then
    local oldest = redis.call('ZRANGE', key, n - max, n - max, 'WITHSCORES')
    local room = math.ceil(tonumber(oldest[2]) + window - now)
    if room > wait then wait = room end
  end
end
if wait > 0 then return wait end
local member = t[1] .. t[2]
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[2 * i - 1])
  redis.call('ZADD', key, now, member .. ':' .. redis.call('ZCARD', key))
  redis.call('PEXPIRE', key, math.ceil(window) + 1000)
end
return 0
`;

/** Holds a lane shut for `ARGV[1]` ms (a platform's Retry-After), unless it is held longer already. */
const HOLD = `
local cur = redis.call('PTTL', KEYS[1])
if cur >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return 1
`;

/**
 * How much longer than its period a lane's window is kept: requests leave at slightly
 * different speeds, so the first and the last of a full window's sends may arrive a little
 * less than one period apart (5 %, 20 ms to 1 s). A lane of one send per period keeps its
 * period: its sends are spaced a whole period apart, as the platforms' "one per second" means.
 */
export function windowMs(lane: RateLane): number {
  if (lane.max <= 1) return lane.perMs;
  return lane.perMs + Math.min(1000, Math.max(20, lane.perMs * 0.05));
}

export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.redis.defineCommand('aftercareHold', { numberOfKeys: 1, lua: HOLD });
    this.redis.defineCommand('aftercareSliding', { lua: SLIDING });
  }

  /**
   * The platform answered 429 with Retry-After: nothing else goes out on these lanes
   * (from any process) for `ms`, not only the row that was refused.
   */
  async block(lanes: RateLane[], ms: number): Promise<void> {
    const run = (this.redis as unknown as { aftercareHold: (k: string, ms: number) => Promise<number> }).aftercareHold;
    await Promise.all(lanes.map((lane) => run.call(this.redis, `${this.prefix}:rl:${lane.key}:hold`, Math.max(1, Math.ceil(ms)))));
  }

  /** Milliseconds to wait before one more send on `lane` (0 = recorded now). */
  tryAcquire(lane: RateLane): Promise<number> {
    return this.tryAcquireAll([lane]);
  }

  /**
   * Takes one send on every lane without waiting: 0 when the send may go now (recorded on
   * every lane), else how many ms until every lane has room (nothing recorded).
   */
  async tryAcquireAll(lanes: RateLane[]): Promise<number> {
    if (lanes.length === 0) return 0;
    const args = lanes.flatMap((lane) => [windowMs(lane), lane.max]);
    const run = (this.redis as unknown as { aftercareSliding: (n: number, ...a: (string | number)[]) => Promise<number> }).aftercareSliding;
    return Number(await run.call(this.redis, lanes.length, ...lanes.map((lane) => `${this.prefix}:rl:${lane.key}`), ...args));
  }

  /**
   * Waits until every lane lets one send through (checked again at least once a second).
   * False when `signal` asked to stop first: the caller must not send.
   */
  async acquire(lanes: RateLane[], signal?: { stopping: boolean }): Promise<boolean> {
    for (;;) {
      const wait = await this.tryAcquireAll(lanes);
      if (wait <= 0) return true;
      if (signal?.stopping) return false;
      await new Promise((r) => setTimeout(r, Math.min(wait, 1000)));
    }
  }
}
