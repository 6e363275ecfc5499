import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT_IN_CONFIG_PATH, packageRoot } from '../../src/config/load-config.js';

const ROOT = packageRoot();
const EXAMPLE = readFileSync(BUILT_IN_CONFIG_PATH(), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'aftercare-config-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `config:check` as a process, as an admin would. */
function configCheck(...args: string[]): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  return new Promise((done) => {
    execFile(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'src/cli/config-check.ts'), ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '' } }, (err, stdout, stderr) => {
      const lines = (s: string) => s.split('\n').filter((l) => l !== '');
      done({ code: err ? Number(err.code ?? 1) : 0, stdout: lines(stdout), stderr: lines(stderr) });
    });
  });
}

function edit(text: string, from: string, to: string): string {
  expect(text.split(from), `example contains ${from} once`).toHaveLength(2);
  return text.replace(from, to);
}

describe('config:check', () => {
  it('prints the file it checked first, and – for clocks a severity never runs', async () => {
    const path = join(dir, 'ok.yaml');
    writeFileSync(path, EXAMPLE);
    const r = await configCheck('ok.yaml');
    expect(r.code).toBe(0);
    expect(r.stdout[0]).toBe(`checked ${resolve(dir, 'ok.yaml')}`);
    expect(r.stdout[1]).toBe('configuration ok');
    const row = r.stdout.find((l) => l.trim().startsWith('criticalStart'))!;
    expect(row.trim().split(/\s+/).slice(1, 4)).toEqual(['–', '–', '2h']);
    const first = r.stdout.find((l) => l.trim().startsWith('firstResponse'))!;
    expect(first).not.toContain('–');
  }, 30_000);

  it('reports every problem in one run: schema, references, dates and escalation reach', async () => {
    let text = edit(EXAMPLE, 'fault: [technical]', 'fault: [nowhere]');
    text = edit(text, 'firstResponse: { normal: 2h,', 'firstResponse: { normal: 2hours,');
    text = edit(text, 'holidays: ["2027-01-01",', 'holidays: ["2027-13-45", "2027-02-30",');
    text = edit(text, '    customer-service: &cs-supervisors-first', '    logistics: &cs-supervisors-first');
    writeFileSync(join(dir, 'bad.yaml'), text);
    const r = await configCheck('bad.yaml');
    expect(r.code).toBe(1);
    expect(r.stdout).toEqual([`checked ${resolve(dir, 'bad.yaml')}`]);
    const paths = r.stderr.map((l) => {
      expect(l.startsWith('config error: bad.yaml: ')).toBe(true);
      return l.split(': ')[2];
    });
    expect(paths.sort()).toEqual(
      ['calendars.office.holidays[0]', 'calendars.office.holidays[1]', 'escalation.chains.default[0].notify', 'routing.fault[0]', 'sla.clocks.firstResponse.normal'].sort(),
    );
    expect(r.stderr.find((l) => l.includes('escalation.chains.default[0].notify'))).toContain('customer-service');
  }, 30_000);

  it('a missing file is one problem, after the path it looked for', async () => {
    const r = await configCheck('missing.yaml');
    expect(r.code).toBe(1);
    expect(r.stdout).toEqual([`checked ${resolve(dir, 'missing.yaml')}`]);
    expect(r.stderr).toEqual(['config error: missing.yaml: file not found']);
  }, 30_000);
});
