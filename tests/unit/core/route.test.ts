import { describe, it, expect } from 'vitest';
import { routeTicket } from '../../../src/core/route.js';
import type { RoutingTable } from '../../../src/core/types.js';
import { exampleConfig } from '../../helpers/config.js';

const routing = exampleConfig().routing;

describe('routeTicket with the example routing', () => {
  it('inquiry → customer-service (primary)', () => {
    expect(routeTicket('inquiry', '怎么改密码', routing)).toEqual([{ departmentId: 'customer-service', role: 'primary' }]);
  });

  it('fault → technical (primary)', () => {
    expect(routeTicket('fault', 'printer broken', routing)).toEqual([{ departmentId: 'technical', role: 'primary' }]);
  });

  it('suggestion → product (primary)', () => {
    expect(routeTicket('suggestion', '建议加一个功能', routing)).toEqual([{ departmentId: 'product', role: 'primary' }]);
  });

  it('complaint without a rule keyword → default responsible + cs-supervisor oversight', () => {
    expect(routeTicket('complaint', '客服态度很差', routing)).toEqual([
      { departmentId: 'customer-service', role: 'responsible' },
      { departmentId: 'cs-supervisor', role: 'oversight' },
    ]);
  });

  it.each(['物流太慢了，一周还没到', 'The delivery is two weeks late', 'Your COURIER lost my parcel'])(
    'complaint about logistics (%s) → logistics + cs-supervisor',
    (text) => {
      expect(routeTicket('complaint', text, routing)).toEqual([
        { departmentId: 'logistics', role: 'responsible' },
        { departmentId: 'cs-supervisor', role: 'oversight' },
      ]);
    },
  );

  it('complaint about quality → technical + cs-supervisor', () => {
    expect(routeTicket('complaint', '产品质量太差', routing)).toEqual([
      { departmentId: 'technical', role: 'responsible' },
      { departmentId: 'cs-supervisor', role: 'oversight' },
    ]);
  });

  it('the first matching rule wins (logistics is listed before technical)', () => {
    expect(routeTicket('complaint', 'delivered broken by the courier', routing)[0]).toEqual({
      departmentId: 'logistics',
      role: 'responsible',
    });
  });

  it('the description does not influence non-complaint routing', () => {
    expect(routeTicket('fault', 'delivery courier 物流', routing)).toEqual([{ departmentId: 'technical', role: 'primary' }]);
  });
});

describe('routeTicket with a custom table', () => {
  const table: RoutingTable = {
    inquiry: ['cs', 'sales', 'cs'],
    fault: ['tech'],
    suggestion: ['product'],
    complaint: {
      always: ['boss', 'cs'],
      defaultResponsible: 'cs',
      responsibleRules: [{ department: 'Tech', keywords: ['BROKEN'] }],
    },
  };

  it('later departments are involved, duplicates dropped', () => {
    expect(routeTicket('inquiry', '', table)).toEqual([
      { departmentId: 'cs', role: 'primary' },
      { departmentId: 'sales', role: 'involved' },
    ]);
  });

  it('the responsible department is not repeated as oversight', () => {
    expect(routeTicket('complaint', 'rude', table)).toEqual([
      { departmentId: 'cs', role: 'responsible' },
      { departmentId: 'boss', role: 'oversight' },
    ]);
  });

  it('rule keywords match case-insensitively', () => {
    expect(routeTicket('complaint', 'it arrived broken', table)[0]).toEqual({ departmentId: 'Tech', role: 'responsible' });
  });
});
