import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it } from 'vitest';
import { databaseUnavailableCode } from '../../../src/db/unavailable.js';

const withCode = (code: string) => Object.assign(new Error(code), { code });

describe('databaseUnavailableCode', () => {
  it.each(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', 'ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '08001'])(
    '%s means the database is unreachable',
    (code) => {
      expect(databaseUnavailableCode(withCode(code))).toBe(code);
    },
  );

  it('looks through drizzle\'s DrizzleQueryError to the driver error', () => {
    expect(databaseUnavailableCode(new DrizzleQueryError('select 1', [], withCode('57P01')))).toBe('57P01');
  });

  it.each(['23505', '42P01', '40001', '22P02', 'validation_failed'])('%s is a query error, not an outage', (code) => {
    expect(databaseUnavailableCode(withCode(code))).toBeUndefined();
  });

  it('anything without a code is not an outage', () => {
    expect(databaseUnavailableCode(new Error('boom'))).toBeUndefined();
    expect(databaseUnavailableCode(null)).toBeUndefined();
    expect(databaseUnavailableCode('text')).toBeUndefined();
  });
});
