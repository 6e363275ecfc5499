import { afterAll, describe, it, expect } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_IN_CONFIG_PATH, ConfigError, loadConfig, parseConfigText, parseEnv } from '../../../src/config/load-config.js';

const EXAMPLE = readFileSync(BUILT_IN_CONFIG_PATH(), 'utf8');

const tmpDirs: string[] = [];
function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-config-'));
  tmpDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.code).toBe('config_invalid');
    return e;
  }
  throw new Error('expected a ConfigError');
}

/** Replaces exactly one occurrence of `from` in the example file. */
function editExample(from: string, to: string): string {
  const at = EXAMPLE.indexOf(from);
  expect(at, `example file contains ${from}`).toBeGreaterThanOrEqual(0);
  expect(EXAMPLE.indexOf(from, at + 1), `${from} occurs once`).toBe(-1);
  return EXAMPLE.slice(0, at) + to + EXAMPLE.slice(at + from.length);
}

describe('parseEnv', () => {
  it('applies the defaults', () => {
    const env = parseEnv({});
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/aftercare');
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(env.PORT).toBe(3000);
    expect(env.HOST).toBe('127.0.0.1');
    expect(env.LOG_LEVEL).toBe('info');
    expect(env.AFTERCARE_CONFIG).toBe('config/aftercare.yaml');
    expect(env.AFTERCARE_ROLE).toBe('all');
    expect(env.AFTERCARE_API_TOKEN).toBeUndefined();
  });

  it('reads given values', () => {
    const env = parseEnv({
      DATABASE_URL: 'postgresql://u:p@db:5433/x',
      REDIS_URL: 'rediss://cache:6380',
      PORT: '8080',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'debug',
      AFTERCARE_ROLE: 'worker',
      AFTERCARE_API_TOKEN: '0123456789abcdef',
    });
    expect(env).toMatchObject({
      DATABASE_URL: 'postgresql://u:p@db:5433/x',
      REDIS_URL: 'rediss://cache:6380',
      PORT: 8080,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'debug',
      AFTERCARE_ROLE: 'worker',
      AFTERCARE_API_TOKEN: '0123456789abcdef',
    });
  });

  it('treats an empty API token as unset', () => {
    expect(parseEnv({ AFTERCARE_API_TOKEN: '  ' }).AFTERCARE_API_TOKEN).toBeUndefined();
  });

  it.each(['abc', '3000.5', '70000', '-1'])('PORT=%s → ConfigError with a PORT: issue', (port) => {
    const e = configError(() => parseEnv({ PORT: port }));
    expect(e.issues.some((i) => i.startsWith('PORT:'))).toBe(true);
    expect(e.issues.every((i) => i.startsWith('PORT:'))).toBe(true);
  });

  it.each([
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['LOG_LEVEL', 'loud'],
    ['AFTERCARE_ROLE', 'both'],
    ['AFTERCARE_API_TOKEN', 'two words'],
    ['SLACK_API_URL', 'not a url'],
    ['SLACK_DEFAULT_CHANNEL', '#general'],
    ['DISCORD_DEFAULT_CHANNEL', 'general'],
  ])('bad %s → issue naming it', (name, value) => {
    const e = configError(() => parseEnv({ [name]: value }));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]?.startsWith(`${name}:`)).toBe(true);
  });

  it('a Slack token needs its signing secret (or an app token), a Discord token its application id', () => {
    expect(configError(() => parseEnv({ SLACK_BOT_TOKEN: 'xoxb-1' })).issues).toEqual([
      'SLACK_SIGNING_SECRET: is required when SLACK_BOT_TOKEN is set (or set SLACK_APP_TOKEN for Socket Mode)',
    ]);
    expect(parseEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).SLACK_APP_TOKEN).toBe('xapp-1');
    expect(configError(() => parseEnv({ SLACK_APP_TOKEN: 'token' })).issues.map((i) => i.split(':')[0]).sort()).toEqual(['SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN']);
    expect(configError(() => parseEnv({ DISCORD_BOT_TOKEN: 'abc' })).issues).toEqual(['DISCORD_APPLICATION_ID: is required when DISCORD_BOT_TOKEN is set']);
    expect(configError(() => parseEnv({ DISCORD_BOT_TOKEN: 'abc', DISCORD_APPLICATION_ID: '1', DISCORD_PUBLIC_KEY: 'zz' })).issues.map((i) => i.split(':')[0]).sort()).toEqual([
      'DISCORD_APPLICATION_ID',
      'DISCORD_PUBLIC_KEY',
    ]);
  });

  it('reports every bad variable at once', () => {
    const e = configError(() => parseEnv({ PORT: 'x', LOG_LEVEL: 'loud' }));
    expect(e.issues.map((i) => i.split(':')[0]).sort()).toEqual(['LOG_LEVEL', 'PORT']);
  });
});

describe('parseConfigText', () => {
  it('accepts the example file', () => {
    const config = parseConfigText(EXAMPLE, 'example');
    expect(config.departments.map((d) => d.id)).toEqual(['customer-service', 'cs-supervisor', 'technical', 'product', 'sales', 'logistics']);
    expect(config.routing.fault).toEqual(['technical']);
    expect(config.calendars.office?.timeZone).toBe('Asia/Shanghai');
    expect(config.calendars.office?.weekly[1]).toEqual([
      { start: 540, end: 720 },
      { start: 780, end: 1080 },
    ]);
    expect(config.calendars.office?.holidays).toContain('2027-01-01');
    expect(config.sla.clocks.verification_callback.budgets.normal).toBe(72 * 3_600_000);
    expect(config.sla.clocks.critical_start.businessHours).toBe(false);
    expect(config.escalation.chains.default?.[2]).toEqual({ notify: ['judy'], ackTimeoutMs: 30 * 60_000 });
  });

  it('an unknown department in routing → issue naming routing.fault[0]', () => {
    const e = configError(() => parseConfigText(editExample('fault: [technical]', 'fault: [nowhere]'), 'my.yaml'));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatch(/^my\.yaml: routing\.fault\[0\]: .*nowhere/);
  });

  it('an unquoted numeric Discord id → issue naming the path', () => {
    const text = editExample(
      "    calendar: support-desk\n    channels: {}\n    staff:\n      - { id: alice",
      "    calendar: support-desk\n    channels: { discord: 123456789012345678 }\n    staff:\n      - { id: alice",
    );
    const e = configError(() => parseConfigText(text, 'my.yaml'));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]?.startsWith('my.yaml: departments[0].channels.discord: ')).toBe(true);
  });

  it('two staff members with the same Slack id → issue naming the second', () => {
    const text = editExample('{ id: bob, name: 王波, role: agent, language: zh-CN }', '{ id: bob, name: 王波, role: agent, language: zh-CN, slack: "U0SAME" }').replace(
      '{ id: carol, name: Carol Li, role: supervisor, language: en }',
      '{ id: carol, name: Carol Li, role: supervisor, language: en, slack: "U0SAME" }',
    );
    const e = configError(() => parseConfigText(text, 'my.yaml'));
    expect(e.issues).toEqual(['my.yaml: departments[1].staff[0].slack: slack id "U0SAME" is already used by staff "bob"']);
  });

  it('a quoted Discord id is kept exactly', () => {
    const text = editExample(
      "    calendar: support-desk\n    channels: {}\n    staff:\n      - { id: alice",
      "    calendar: support-desk\n    channels: { discord: \"123456789012345678\" }\n    staff:\n      - { id: alice",
    );
    expect(parseConfigText(text, 'my.yaml').departments[0]?.channels.discord).toBe('123456789012345678');
  });

  it('a bad duration → issue naming sla.clocks.firstResponse', () => {
    const e = configError(() => parseConfigText(editExample('firstResponse: { normal: 2h,', 'firstResponse: { normal: 2hours,'), 'my.yaml'));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]?.startsWith('my.yaml: sla.clocks.firstResponse')).toBe(true);
  });

  it('a duration replaces all severities of a clock', () => {
    const text = editExample(
      'firstResponse: { normal: 2h, urgent: 15m, critical: 15m, businessHours: true, tiered: true }',
      'firstResponse: 45m',
    );
    expect(parseConfigText(text, 'x').sla.clocks.first_response).toEqual({
      budgets: { normal: 45 * 60_000, urgent: 45 * 60_000, critical: 45 * 60_000 },
      businessHours: true,
      tiered: true,
    });
  });

  it('an unknown calendar on a department → issue naming it', () => {
    const e = configError(() => parseConfigText(editExample('    calendar: support-desk\n    channels: {}\n    staff:\n      - { id: alice', '    calendar: nope\n    channels: {}\n    staff:\n      - { id: alice'), 'x'));
    expect(e.issues).toEqual([expect.stringMatching(/^x: departments\[0\]\.calendar: /)]);
  });

  it('invalid YAML → one issue with the label', () => {
    const e = configError(() => parseConfigText('departments: [\n', 'broken.yaml'));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]?.startsWith('broken.yaml: ')).toBe(true);
  });

  it('an empty file lacks departments and routing', () => {
    const e = configError(() => parseConfigText('', 'empty.yaml'));
    expect(e.issues.some((i) => i.startsWith('empty.yaml: departments'))).toBe(true);
    expect(e.issues.some((i) => i.startsWith('empty.yaml: routing'))).toBe(true);
  });
});

describe('loadConfig', () => {
  it('a missing AFTERCARE_CONFIG file is an error naming the variable', () => {
    const e = configError(() => loadConfig({ AFTERCARE_CONFIG: '/nonexistent.yaml' }));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]?.startsWith('AFTERCARE_CONFIG:')).toBe(true);
    expect(e.issues[0]).toContain('/nonexistent.yaml');
  });

  it('falls back to the built-in example when config/aftercare.yaml does not exist', () => {
    const loaded = loadConfig({}, tmp());
    expect(loaded.source).toBe('built-in');
    expect(loaded.env.PORT).toBe(3000);
    expect(loaded.config).toEqual(parseConfigText(EXAMPLE, 'example'));
  });

  it('reads config/aftercare.yaml under the working directory', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'config'));
    const path = join(dir, 'config', 'aftercare.yaml');
    writeFileSync(path, editExample('fault: [technical]', 'fault: [technical, sales]'));
    const loaded = loadConfig({ PORT: '4000' }, dir);
    expect(loaded.source).toBe(path);
    expect(loaded.env.PORT).toBe(4000);
    expect(loaded.config.routing.fault).toEqual(['technical', 'sales']);
  });

  it('resolves a relative AFTERCARE_CONFIG against the working directory and labels issues with it', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'custom.yaml'), editExample('fault: [technical]', 'fault: [nowhere]'));
    const e = configError(() => loadConfig({ AFTERCARE_CONFIG: 'custom.yaml' }, dir));
    expect(e.issues).toEqual([expect.stringMatching(/^custom\.yaml: routing\.fault\[0\]: /)]);
  });

  it('bad environment fails before the file is read', () => {
    const e = configError(() => loadConfig({ PORT: 'nope', AFTERCARE_CONFIG: '/nonexistent.yaml' }));
    expect(e.issues.some((i) => i.startsWith('PORT:'))).toBe(true);
  });
});

describe('blank environment variables', () => {
  it('count as unset: PORT= means the default, AFTERCARE_CONFIG= falls back', () => {
    const env = parseEnv({ PORT: '', AFTERCARE_CONFIG: ' ', HOST: '' });
    expect(env.PORT).toBe(3000);
    expect(env.HOST).toBe('127.0.0.1');
    expect(env.AFTERCARE_CONFIG).toBe('config/aftercare.yaml');
  });
});

describe('lifecycle', () => {
  const withLifecycle = (block: string) => `${EXAMPLE.replace(/\nlifecycle:[\s\S]*$/, '')}\n${block}`;

  it('defaults to 7d / 24h / 7d and a 14-day customer link', () => {
    expect(parseConfigText(withLifecycle(''), 'test').lifecycle).toEqual({
      closeAfterMs: 7 * 86_400_000,
      waitingReminderAfterMs: 86_400_000,
      waitingCloseAfterMs: 7 * 86_400_000,
      customerLinkTtlMs: 14 * 86_400_000,
    });
  });

  it('reads durations and off', () => {
    const c = parseConfigText(withLifecycle('lifecycle:\n  closeAfter: 3d\n  waitingReminderAfter: off\n  waitingCloseAfter: 2d12h\n  customerLinkTtl: 30d\n'), 'test');
    expect(c.lifecycle).toEqual({ closeAfterMs: 3 * 86_400_000, waitingReminderAfterMs: null, waitingCloseAfterMs: 2.5 * 86_400_000, customerLinkTtlMs: 30 * 86_400_000 });
  });

  it('names the path of a bad value', () => {
    const e = configError(() => parseConfigText(withLifecycle('lifecycle:\n  closeAfter: soon\n  customerLinkTtl: off\n'), 'test'));
    expect(e.issues.some((i) => i.includes('lifecycle.closeAfter') && i.includes('or off'))).toBe(true);
    expect(e.issues.some((i) => i.includes('lifecycle.customerLinkTtl'))).toBe(true);
  });
});
