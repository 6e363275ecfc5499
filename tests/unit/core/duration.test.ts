import { describe, it, expect } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/core/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['30s', 30 * S],
    ['15m', 15 * M],
    ['2h', 2 * H],
    ['3d', 3 * D],
    ['1h30m', 90 * M],
    ['1d2h30m15s', D + 2 * H + 30 * M + 15 * S],
    [' 2h ', 2 * H],
    ['1h 30m', 90 * M],
  ])('%j → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '   ', '0m', '0h0m', '90', 'h', '2 hours', '2H', '-1h', '1.5h', '30m1h'])('%j is rejected', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [90 * M, '1h30m'],
    [3 * D, '3d'],
    [D + 2 * H + 30 * M + 15 * S, '1d2h30m15s'],
    [15 * M, '15m'],
    [0, '0m'],
    [-5 * M, '0m'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [S, 59 * S, 61 * M, 25 * H, 3 * D + 7 * S]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});
