import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it } from 'vitest';
import { AftercareError, asAftercareError, ErrorCode } from '../../../src/core/errors.js';
import { safeError } from '../../../src/core/safe-error.js';

const SECRET = 'Wanda Secretname, +86 139 7777 6666';

/** A postgres.js PostgresError as the driver builds it (name, SQLSTATE, detail quoting the row). */
function postgresError(): Error {
  const e = new Error('invalid input syntax for type uuid: "' + SECRET + '"');
  return Object.assign(e, {
    name: 'PostgresError',
    severity: 'ERROR',
    code: '22P02',
    routine: 'string_to_uuid',
    detail: `Failing row contains (${SECRET}).`,
    where: `unnamed portal parameter $1 = '${SECRET}'`,
    table_name: 'tickets',
    constraint_name: 'tickets_pkey',
  });
}

describe('safeError', () => {
  it('keeps the SQLSTATE and names of a Postgres error, never its values', () => {
    const s = safeError(postgresError());
    expect(s).toMatchObject({ type: 'PostgresError', sqlState: '22P02', table: 'tickets', constraint: 'tickets_pkey' });
    expect(JSON.stringify(s)).not.toContain('Secretname');
    expect(s.message).toBe('invalid input syntax for type uuid: "…"');
  });

  it('drops the SQL and parameters of a DrizzleQueryError, keeps its cause', () => {
    const err = new DrizzleQueryError('insert into customers (name, phone) values ($1, $2)', [SECRET, '+86 139'], postgresError());
    expect(err.message).toContain('Secretname'); // what used to reach the log
    const s = safeError(err);
    expect(s).toMatchObject({ type: 'DrizzleQueryError', message: 'database query failed', cause: { sqlState: '22P02' } });
    expect(JSON.stringify(s)).not.toContain('Secretname');
    expect(JSON.stringify(s)).not.toContain('139');
    expect(s.stack).toMatch(/^DrizzleQueryError: database query failed\n\s+at /);
  });

  it('an unknown error wrapped into an AftercareError keeps no params either', () => {
    const wrapped = asAftercareError(new DrizzleQueryError('select 1', [SECRET], postgresError()));
    const s = safeError(wrapped);
    expect(s.code).toBe(ErrorCode.Internal);
    expect(JSON.stringify(s)).not.toContain('Secretname');
  });

  it('keeps our code and message, and is safe to apply twice', () => {
    const s = safeError(new AftercareError(ErrorCode.NotFound, 'ticket AC-000001 not found'));
    expect(s).toMatchObject({ type: 'AftercareError', code: 'not_found', message: 'ticket AC-000001 not found' });
    const pg = safeError(postgresError());
    expect(safeError(pg)).toEqual(pg);
    expect(safeError('boom')).toEqual({ type: 'string', message: 'boom' });
  });
});
