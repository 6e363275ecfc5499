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

  it('number variables say what rule they break and what was given, in plain words', () => {
    expect(configError(() => parseEnv({ PORT: 'abc' })).issues).toEqual(['PORT: must be a whole number (got "abc")']);
    expect(configError(() => parseEnv({ PORT: '70000' })).issues).toEqual(['PORT: must be a port number from 0 to 65535 (got "70000")']);
    expect(configError(() => parseEnv({ AFTERCARE_OUTBOX_CONCURRENCY: '0' })).issues).toEqual([
      'AFTERCARE_OUTBOX_CONCURRENCY: must be a whole number from 1 to 1000 (got "0")',
    ]);
    expect(configError(() => parseEnv({ AFTERCARE_WEBHOOK_RATE: 'fast' })).issues).toEqual(['AFTERCARE_WEBHOOK_RATE: must be a number (got "fast")']);
    expect(parseEnv({ PORT: ' 8080 ', AFTERCARE_WEBHOOK_RATE: '2.5' })).toMatchObject({ PORT: 8080, AFTERCARE_WEBHOOK_RATE: 2.5 });
  });

  it('no library wording in any variable issue', () => {
    const e = configError(() => parseEnv({ PORT: 'x', LOG_LEVEL: 'loud', AFTERCARE_ROLE: 'both', SLACK_API_URL: 'nope', AFTERCARE_TIMER_CONCURRENCY: '1.5' }));
    for (const i of e.issues) expect(i).not.toMatch(/\bInvalid\b|\bexpected\b|\breceived\b|NaN/);
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

  it('wrong types in the YAML file are named in plain words, not as missing', () => {
    const e = configError(() => parseConfigText(editExample('{ id: bob, name: 王波, role: agent, language: zh-CN }', '{ id: bob, name: 7, role: boss, language: zh-CN }'), 'my.yaml'));
    expect(e.issues).toEqual(
      expect.arrayContaining([expect.stringMatching(/staff\[\d\]\.name: must be a string$/), expect.stringMatching(/staff\[\d\]\.role: must be one of agent, supervisor$/)]),
    );
    for (const i of e.issues) expect(i).not.toMatch(/\bInvalid\b|\bexpected\b|\breceived\b/);
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

/** The YAML paths of a ConfigError's issues (`label: path: message`). */
const paths = (e: ConfigError) => e.issues.map((i) => i.split(': ')[1]);

describe('every escalation level reaches somebody', () => {
  it('a department on the default chain without a supervisor → issue naming the chain, the level and the department', () => {
    // Customer service has only agents; without its own chain it would climb the default one.
    const e = configError(() => parseConfigText(editExample('    customer-service: &cs-supervisors-first', '    logistics: &cs-supervisors-first'), 'x'));
    expect(e.issues).toEqual(['x: escalation.chains.default[0].notify: level 1 resolves to nobody for department customer-service (it has no supervisor)']);
  });

  it('supervisors:<department> of a department without a supervisor → issue naming the chain and level', () => {
    const e = configError(() => parseConfigText(editExample('      - notify: [supervisors:cs-supervisor]\n      - notify: [judy]\n        ackTimeout: 30m\n    # Customer', '      - notify: [supervisors:sales]\n      - notify: [judy]\n        ackTimeout: 30m\n    # Customer'), 'x'));
    expect(paths(e)).toEqual(['escalation.chains.default[1].notify[0]']);
    expect(e.issues[0]).toContain('level 2 of chain default');
    expect(e.issues[0]).toContain('sales');
  });

  it('a level that names someone besides the empty group passes', () => {
    const text = editExample('      - notify: [supervisors:cs-supervisor]\n      - notify: [judy]\n        ackTimeout: 30m\n    product', '      - notify: [supervisors, frank]\n      - notify: [judy]\n        ackTimeout: 30m\n    product');
    expect(parseConfigText(text, 'x').escalation.chains['customer-service']?.[0]?.notify).toEqual(['supervisors', 'frank']);
  });

  it('the built-in default chain is checked too when the file sets none', () => {
    const start = EXAMPLE.indexOf('  chains:\n');
    const end = EXAMPLE.indexOf('\n# Progress presets');
    const e = configError(() => parseConfigText(EXAMPLE.slice(0, start) + EXAMPLE.slice(end), 'x'));
    expect(paths(e)).toEqual(['escalation.chains.default[0].notify', 'escalation.chains.default[0].notify']);
    expect(e.issues.join('\n')).toMatch(/customer-service[^\n]*built-in default[\s\S]*product/);
  });

  it('a department always involved in complaints needs a supervisor to ping', () => {
    const e = configError(() => parseConfigText(editExample('always: [cs-supervisor]', 'always: [cs-supervisor, sales]'), 'x'));
    expect(paths(e)).toEqual(['routing.complaint.always[1]']);
  });
});

describe('one pass over the whole file', () => {
  it('schema and cross-reference problems are reported together', () => {
    const text = editExample('fault: [technical]', 'fault: [nowhere]')
      .replace('firstResponse: { normal: 2h,', 'firstResponse: { normal: 2hours,')
      .replace('      - notify: [judy]\n        ackTimeout: 30m\n    # Customer', '      - notify: [jody]\n        ackTimeout: 3O\n    # Customer');
    const e = configError(() => parseConfigText(text, 'x'));
    expect(paths(e).sort()).toEqual(['escalation.chains.default[2].ackTimeout', 'escalation.chains.default[2].notify[0]', 'routing.fault[0]', 'sla.clocks.firstResponse.normal'].sort());
  });

  it('a department with a malformed field still counts for references to it', () => {
    const e = configError(() => parseConfigText(editExample('name: { en: Technical department, zh-CN: 技术部 }', 'name: Technical'), 'x'));
    expect(paths(e)).toEqual(['departments[2].name']);
  });

  it.each(['2027-13-45', '2027-02-30', '2026-02-29'])('an impossible holiday %s → issue naming it', (date) => {
    const e = configError(() => parseConfigText(editExample('holidays: ["2027-01-01",', `holidays: ["${date}",`), 'x'));
    expect(paths(e)).toEqual(['calendars.office.holidays[0]']);
  });

  it('a leap day is a real holiday', () => {
    expect(parseConfigText(editExample('holidays: ["2027-01-01",', 'holidays: ["2028-02-29",'), 'x').calendars.office?.holidays[0]).toBe('2028-02-29');
  });

  it('overlapping hours are reported with the other problems', () => {
    const text = editExample('mon: ["09:00-12:00", "13:00-18:00"]\n      tue: ["09:00-12:00", "13:00-18:00"]\n      wed: ["09:00-12:00", "13:00-18:00"]\n      thu: ["09:00-12:00", "13:00-18:00"]\n      fri: ["09:00-12:00", "13:00-18:00"]\n      sat: []\n      sun: []\n    holidays: ["2027-01-01",',
      'mon: ["09:00-12:00", "11:00-18:00"]\n      tue: ["09:00-12:00", "13:00-18:00"]\n      wed: ["09:00-12:00", "13:00-18:00"]\n      thu: ["09:00-12:00", "13:00-18:00"]\n      fri: ["09:00-12:00", "13:00-18:00"]\n      sat: []\n      sun: []\n    holidays: ["2027-02-30",');
    const e = configError(() => parseConfigText(text.replace('fault: [technical]', 'fault: [nowhere]'), 'x'));
    expect(paths(e).sort()).toEqual(['calendars.office.holidays[0]', 'calendars.office.hours.mon', 'routing.fault[0]']);
  });
});

describe('loadConfig', () => {
  it('refuses to start with a level that reaches nobody, one line per problem', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'custom.yaml'), editExample('    customer-service: &cs-supervisors-first', '    logistics: &cs-supervisors-first').replace('fault: [technical]', 'fault: [nowhere]'));
    const e = configError(() => loadConfig({ AFTERCARE_CONFIG: 'custom.yaml' }, dir));
    expect(e.issues).toEqual([
      expect.stringMatching(/^custom\.yaml: routing\.fault\[0\]: /),
      'custom.yaml: escalation.chains.default[0].notify: level 1 resolves to nobody for department customer-service (it has no supervisor)',
    ]);
  });


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
