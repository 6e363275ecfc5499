import { describe, expect, it } from 'vitest';
import { Directory } from '../../../src/core/directory.js';
import { exampleConfig } from '../../helpers/config.js';

const directory = new Directory(exampleConfig());

describe('Directory.escalationRecipients', () => {
  it("a complaint's level 1 adds the supervisors of the always-involved departments to the responsible department's", () => {
    expect(directory.escalationRecipients('technical', 1, 'complaint')).toEqual(['erin', 'carol', 'judy']);
    expect(directory.escalationRecipients('logistics', 1, 'complaint')).toEqual(['ivan', 'carol', 'judy']);
  });

  it('names each person once when the chain already pings the customer-service supervisors', () => {
    expect(directory.escalationRecipients('customer-service', 1, 'complaint')).toEqual(['carol', 'judy']);
  });

  it('other categories and higher levels follow the chain alone', () => {
    expect(directory.escalationRecipients('technical', 1, 'fault')).toEqual(['erin']);
    expect(directory.escalationRecipients('technical', 2, 'complaint')).toEqual(['carol', 'judy']);
    expect(directory.escalationRecipients('technical', 3, 'complaint')).toEqual(['judy']);
    expect(directory.escalationRecipients('technical', 4, 'complaint')).toEqual([]);
    expect(directory.escalationRecipients('customer-service', 1, 'inquiry')).toEqual(['carol', 'judy']);
  });
});
