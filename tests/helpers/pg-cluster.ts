import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Directory of the PostgreSQL server binaries (initdb, pg_ctl); PG_BIN overrides. */
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * A PostgreSQL cluster of the test's own (never the shared server): initdb into a temporary
 * directory, a free port, trust auth. The server refuses to run as root, so it runs as the
 * `postgres` user when the tests run as root.
 */
export class PgCluster {
  port = 0;
  private dir = '';

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}`;
  }

  private async pg(bin: string, args: string[]): Promise<void> {
    const asRoot = process.getuid?.() === 0;
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, bin), ...args]] : [join(PG_BIN, bin), args];
    await run(cmd, argv, { timeout: 60_000 });
  }

  private ctl(...args: string[]): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200`;
    return this.pg('pg_ctl', ['-D', join(this.dir, 'data'), '-o', options, '-l', join(this.dir, 'server.log'), '-w', '-t', '60', ...args]);
  }

  async start(): Promise<this> {
    this.dir = mkdtempSync(join(tmpdir(), 'aftercare-pg-'));
    if (process.getuid?.() === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      chownSync(this.dir, Number(stdout.trim()), Number(gid.trim()));
    }
    this.port = await freePort();
    await this.pg('initdb', ['-D', join(this.dir, 'data'), '--auth=trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    await this.ctl('start');
    return this;
  }

  /** Restarts the server: `fast` disconnects clients cleanly, `immediate` is like a crash (recovery on start). */
  async restart(mode: 'fast' | 'immediate'): Promise<void> {
    await this.ctl('restart', '-m', mode);
  }

  /** Stops the server and deletes its directory; safe to call when start failed half-way. */
  async stop(): Promise<void> {
    if (!this.dir) return;
    try {
      await this.ctl('stop', '-m', 'immediate');
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
    this.dir = '';
  }
}
