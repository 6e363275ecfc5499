import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../../src/jobs/outbox-worker.js';

describe('backoffMs', () => {
  it('doubles from about a second and caps at ten minutes', () => {
    for (const [attempt, base] of [[1, 1000], [2, 2000], [5, 16_000], [30, 600_000]] as const) {
      const ms = backoffMs(attempt);
      expect(ms).toBeGreaterThanOrEqual(base * 0.8);
      expect(ms).toBeLessThanOrEqual(base * 1.2);
    }
  });
});
