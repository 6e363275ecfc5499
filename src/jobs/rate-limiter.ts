import type { Redis } from 'ioredis';
import type { RateLane } from '../app/chat-gateway.js';

/**
 * GCRA over Redis: each lane key holds its "theoretical arrival time". Allows `max`
 * messages per `perMs` with bursts up to `max`, shared by every worker process.
 * Returns 0 when the send may go now, else how many ms to wait first.
 */
const GCRA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local allowAt = tat - burst
if now < allowAt then return math.ceil(allowAt - now) end
local nexttat = tat + interval
-- TAT keeps its fraction (30/s is 33.33 ms apart); only the expiry must be whole.
redis.call('SET', KEYS[1], string.format('%.3f', nexttat), 'PX', math.ceil(math.max(1000, nexttat - now + 1000)))
return 0
`;

export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.redis.defineCommand('aftercareGcra', { numberOfKeys: 1, lua: GCRA });
  }

  /** Milliseconds to wait before one more send on `lane` (0 = reserved now). */
  async tryAcquire(lane: RateLane): Promise<number> {
    const interval = lane.perMs / lane.max;
    const burst = interval * (lane.max - 1);
    const r = (this.redis as unknown as { aftercareGcra: (k: string, i: number, b: number) => Promise<number> }).aftercareGcra(
      `${this.prefix}:rl:${lane.key}`,
      interval,
      burst,
    );
    return Number(await r);
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
