import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** Runs `npm run demo` with `env` added and resolves with its exit code and output. */
function runDemo(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'demo'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    // A demo that did start would never exit by itself: stop it, the test then fails on the code.
    const guard = setTimeout(() => child.kill('SIGTERM'), 100_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, out });
    });
  });
}

describe('npm run demo refuses real platform tokens', () => {
  it.each([['TELEGRAM_BOT_TOKEN', '123456:real-looking-token'], ['SLACK_BOT_TOKEN', 'xoxb-real-looking-token']])(
    'exits non-zero with a clear message when %s is set, before starting anything',
    async (name, value) => {
      const { code, out } = await runDemo({ [name]: value });
      expect(code).not.toBe(0);
      expect(out).toContain(`The demo refuses to start: ${name} is set in the environment.`);
      expect(out).not.toContain('Aftercare demo: http');
      expect(out).not.toContain(value);
    },
    120_000,
  );
});
