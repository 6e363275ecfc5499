import { describe, expect, it } from 'vitest';
import { parseDemoArgs } from '../../../src/demo/demo-args.js';
import { realPlatformVariables, refusalMessage } from '../../../src/demo/refuse-real-tokens.js';

describe('demo arguments', () => {
  it('defaults to a fresh database with 200 seeded tickets', () => {
    expect(parseDemoArgs([])).toEqual({ keep: false, seed: 200, help: false });
  });

  it('reads --keep and --seed N / --seed=N', () => {
    expect(parseDemoArgs(['--keep'])).toMatchObject({ keep: true });
    expect(parseDemoArgs(['--seed', '0'])).toMatchObject({ seed: 0 });
    expect(parseDemoArgs(['--seed=35', '--keep'])).toMatchObject({ seed: 35, keep: true });
  });

  it('names a bad --seed and an unknown argument', () => {
    expect(parseDemoArgs(['--seed', 'many'])).toEqual({ error: expect.stringContaining('--seed') });
    expect(parseDemoArgs(['--seed', '-3'])).toEqual({ error: expect.stringContaining('whole number') });
    expect(parseDemoArgs(['--seed', '99999'])).toEqual({ error: expect.stringContaining('5000') });
    expect(parseDemoArgs(['--open'])).toEqual({ error: 'unknown argument "--open"' });
  });
});

describe('refusing real platform tokens', () => {
  it('finds every real-platform variable that is set, ignoring empty ones', () => {
    expect(realPlatformVariables({ TELEGRAM_BOT_TOKEN: '1:a', SLACK_BOT_TOKEN: ' ', DISCORD_BOT_TOKEN: 'x', PATH: '/bin' })).toEqual(['TELEGRAM_BOT_TOKEN', 'DISCORD_BOT_TOKEN']);
    expect(realPlatformVariables({ PORT: '3000' })).toEqual([]);
  });

  it('says which variables and what to do, never their values', () => {
    const text = refusalMessage(['SLACK_BOT_TOKEN']);
    expect(text).toContain('SLACK_BOT_TOKEN is set');
    expect(text).toContain('env -u SLACK_BOT_TOKEN npm run demo');
  });
});
