import type { Redis } from 'ioredis';
import type { RateLane } from '../app/chat-gateway.js';

/**
 * GCRA over Redis: each lane key holds its "theoretical arrival time". Allows `max`
 * messages per `perMs` with bursts up to `max`, shared by every worker process.
 * Over several lanes (KEYS[i] with ARGV[2i-1] interval, ARGV[2i] burst) in one round trip:
 * reserves lane after lane and stops at the first without room, returning its wait (the
 * lanes before it keep their reservation); 0 when the send may go now.
 */
const GCRA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < now then tat = now end
  local allowAt = tat - burst
  if now < allowAt then return math.ceil(allowAt - now) end
  local nexttat = tat + interval
  -- TAT keeps its fraction (30/s is 33.33 ms apart); only the expiry must be whole.
  redis.call('SET', key, string.format('%.3f', nexttat), 'PX', math.ceil(math.max(1000, nexttat - now + 1000)))
end
return 0
`;

/** Holds a lane shut until `ARGV[1]` ms from now (a platform's Retry-After): its TAT moves past that moment. */
const BLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = now + tonumber(ARGV[1]) + tonumber(ARGV[2])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if cur >= tat then return 0 end
redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX', math.ceil(tat - now + 1000))
return 1
`;

export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.redis.defineCommand('aftercareBlock', { numberOfKeys: 1, lua: BLOCK });
    this.redis.defineCommand('aftercareGcra', { lua: GCRA });
  }

  /**
   * The platform answered 429 with Retry-After: nothing else goes out on these lanes
   * (from any process) for `ms`, not only the row that was refused.
   */
  async block(lanes: RateLane[], ms: number): Promise<void> {
    const run = (this.redis as unknown as { aftercareBlock: (k: string, ms: number, burst: number) => Promise<number> }).aftercareBlock;
    await Promise.all(lanes.map((lane) => run.call(this.redis, `${this.prefix}:rl:${lane.key}`, Math.ceil(ms), (lane.perMs / lane.max) * (lane.max - 1))));
  }

  /** Milliseconds to wait before one more send on `lane` (0 = reserved now). */
  tryAcquire(lane: RateLane): Promise<number> {
    return this.tryAcquireAll([lane]);
  }

  /**
   * Reserves one send on every lane without waiting: 0 when the send may go now, else how
   * many ms until the first lane without room has some. Lanes before it keep their
   * reservation (as with {@link acquire}, a send that waits on a later lane spends its slot).
   */
  async tryAcquireAll(lanes: RateLane[]): Promise<number> {
    if (lanes.length === 0) return 0;
    const args = lanes.flatMap((lane) => [lane.perMs / lane.max, (lane.perMs / lane.max) * (lane.max - 1)]);
    const run = (this.redis as unknown as { aftercareGcra: (n: number, ...a: (string | number)[]) => Promise<number> }).aftercareGcra;
    return Number(await run.call(this.redis, lanes.length, ...lanes.map((lane) => `${this.prefix}:rl:${lane.key}`), ...args));
  }

  /**
   * Waits until every lane lets one send through. False when `signal` asked to stop
   * first: the caller must not send.
   */
  async acquire(lanes: RateLane[], signal?: { stopping: boolean }): Promise<boolean> {
    for (const lane of lanes) {
      for (;;) {
        const wait = await this.tryAcquire(lane);
        if (wait <= 0) break;
        if (signal?.stopping) return false;
        await new Promise((r) => setTimeout(r, Math.min(wait, 1000)));
      }
    }
    return true;
  }
}
