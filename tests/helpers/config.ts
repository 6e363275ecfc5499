import { readFileSync } from 'node:fs';
import { BUILT_IN_CONFIG_PATH, parseConfigText } from '../../src/config/load-config.js';
import type { ClockContext } from '../../src/core/sla/clocks.js';
import type { AftercareConfig, ClockKind } from '../../src/core/types.js';

/** The shipped example configuration (the built-in default). */
export function exampleConfig(): AftercareConfig {
  return parseConfigText(readFileSync(BUILT_IN_CONFIG_PATH(), 'utf8'), 'example');
}

/** Example config with every department on wall-clock time, for tests that count exact hours. */
export function wallClockConfig(): AftercareConfig {
  const c = exampleConfig();
  return { ...c, departments: c.departments.map(({ calendar: _c, ...d }) => d) };
}

/**
 * Example config on wall-clock time with SLA budgets and escalation timeouts of seconds,
 * so timer tests run in real time without waiting hours.
 */
export function fastClocksConfig(seconds: Partial<Record<ClockKind, number>> = {}, ackSeconds = 1): AftercareConfig {
  const c = wallClockConfig();
  const clocks = { ...c.sla.clocks };
  for (const kind of Object.keys(clocks) as (keyof typeof clocks)[]) {
    const s = seconds[kind] ?? 2;
    clocks[kind] = { ...clocks[kind], budgets: { normal: s * 1000, urgent: s * 1000, critical: s * 1000 }, businessHours: false, tiered: false };
  }
  const chains = Object.fromEntries(
    Object.entries(c.escalation.chains).map(([k, levels]) => [k, levels.map((l) => ({ ...l, ackTimeoutMs: ackSeconds * 1000 }))]),
  );
  return { ...c, sla: { ...c.sla, reminderAt: 0.5, clocks }, escalation: { ...c.escalation, defaultAckTimeoutMs: ackSeconds * 1000, chains } };
}

/**
 * `fastClocksConfig` with every SLA budget an hour long (no SLA timer fires during a test) and
 * escalation steps of `ackSeconds`.
 */
export function longClocks(ackSeconds: number): AftercareConfig {
  return fastClocksConfig(
    { first_response: 3600, contact_customer: 3600, diagnosis_plan: 3600, resolution: 3600, critical_start: 3600, result_notice: 3600, verification_callback: 3600 },
    ackSeconds,
  );
}

/**
 * `config` with the chat ids of `platform`: `channels` by department id, `users` by staff id,
 * `escalation` the escalation channel. Departments and staff not named keep what they had.
 */
export function withChatIds(
  config: AftercareConfig,
  platform: 'slack' | 'discord',
  ids: { channels: Record<string, string>; users: Record<string, string>; escalation?: string },
): AftercareConfig {
  return {
    ...config,
    departments: config.departments.map((d) => ({
      ...d,
      channels: { ...d.channels, ...(ids.channels[d.id] && { [platform]: ids.channels[d.id] }) },
      staff: d.staff.map((s) => ({ ...s, ...(ids.users[s.id] && { [platform]: ids.users[s.id] }) })),
    })),
    escalation:
      ids.escalation === undefined ? config.escalation : { ...config.escalation, channels: { ...config.escalation.channels, [platform]: ids.escalation } },
  };
}

/** Clock context on the example config: by default a normal, standard-tier ticket of a department on `office`. */
export function exampleClockContext(over: Partial<ClockContext> = {}): ClockContext {
  const config = exampleConfig();
  return { severity: 'normal', tier: 'standard', departmentCalendar: 'office', policy: config.sla, calendars: config.calendars, ...over };
}

/** Every clock a few seconds long (resolution 4 s) and escalation steps of 1 s: for tests that watch timers fire in real time. */
export function secondsClocksConfig(): AftercareConfig {
  return fastClocksConfig({ first_response: 2, contact_customer: 2, diagnosis_plan: 2, resolution: 4, critical_start: 2, result_notice: 2, verification_callback: 2 }, 1);
}
