import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { StopList } from '../../src/compose.js';

describe('StopList', () => {
  it('stops in reverse order, goes on past a failure, rethrows the first one and empties itself', async () => {
    const stopped: string[] = [];
    const stops = new StopList(pino({ level: 'silent' }));
    stops.add('database', () => void stopped.push('database'));
    stops.add('http', () => Promise.reject(new Error('http failed')));
    stops.add('workers', (graceMs) => void stopped.push(`workers ${graceMs}`));
    stops.add('slack', () => Promise.reject(new Error('slack failed')));
    await expect(stops.stopAll(1000)).rejects.toThrow('slack failed');
    expect(stopped).toEqual(['workers 1000', 'database']);
    await stops.stopAll();
    expect(stopped).toHaveLength(2);
  });

  it('passes no grace period on a normal close', async () => {
    const seen: (number | undefined)[] = [];
    const stops = new StopList(pino({ level: 'silent' }));
    stops.add('workers', (graceMs) => void seen.push(graceMs));
    await stops.stopAll();
    expect(seen).toEqual([undefined]);
  });
});
