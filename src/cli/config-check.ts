import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CLOCK_KIND_TO_KEY } from '../config/build-config.js';
import { ConfigError, configSource, parseConfigText, parseEnv } from '../config/load-config.js';
import { formatDuration } from '../core/duration.js';
import { clockApplies } from '../core/sla/lifecycle.js';
import { CLOCK_KINDS, SEVERITIES, TIERS, type AftercareConfig } from '../core/types.js';

/**
 * `npm run config:check [file]`: validates a configuration file (default: AFTERCARE_CONFIG
 * or the built-in default), reporting every problem at once, and prints the effective
 * routing and SLA table.
 */
const NOT_APPLICABLE = '–';

function print(config: AftercareConfig): void {
  const out: string[] = ['configuration ok', '', 'Routing'];
  for (const cat of ['inquiry', 'fault', 'suggestion'] as const) out.push(`  ${cat.padEnd(11)} → ${config.routing[cat].join(', ')}`);
  const c = config.routing.complaint;
  out.push(`  ${'complaint'.padEnd(11)} → ${[...c.always, `responsible (default ${c.defaultResponsible})`].join(' + ')}`);
  for (const r of c.responsibleRules) out.push(`  ${''.padEnd(11)}   ${r.department} when: ${r.keywords.join(', ')}`);
  out.push('', 'Departments');
  for (const d of config.departments) {
    const ch = Object.entries(d.channels).map(([k, v]) => `${k}:${v}`).join(' ') || 'no channels';
    out.push(`  ${d.id.padEnd(17)} ${d.name.en} / ${d.name['zh-CN']}  calendar: ${d.calendar ?? '24/7'}  staff: ${d.staff.length}  ${ch}`);
  }
  out.push('', `SLA (reminder at ${Math.round(config.sla.reminderAt * 100)} %; tiers ${TIERS.map((t) => `${t} ×${config.sla.tiers[t]}`).join(', ')})`);
  out.push(`  ${'clock'.padEnd(22)}${SEVERITIES.map((s) => s.padEnd(10)).join('')}business hours`);
  for (const kind of CLOCK_KINDS) {
    const p = config.sla.clocks[kind];
    out.push(`  ${CLOCK_KIND_TO_KEY[kind].padEnd(22)}${SEVERITIES.map((s) => (clockApplies(kind, s) ? formatDuration(p.budgets[s]) : NOT_APPLICABLE).padEnd(10)).join('')}${p.businessHours ? 'yes (critical: wall clock)' : 'no'}`);
  }
  out.push('', 'Escalation');
  for (const [chain, levels] of Object.entries(config.escalation.chains)) {
    out.push(`  ${chain}: ${levels.map((l, i) => `L${i + 1} ${l.notify.join('/')} (${formatDuration(l.ackTimeoutMs)})`).join(' → ')}`);
  }
  console.log(out.join('\n'));
}

try {
  const file = process.argv[2];
  const from = file ? { path: resolve(file), label: file, builtIn: false } : configSource(process.env, parseEnv(process.env));
  console.log(`checked ${from.path}${from.builtIn ? ' (built-in default)' : ''}`);
  if (!existsSync(from.path)) throw new ConfigError([`${from.label}: file not found`]);
  print(parseConfigText(readFileSync(from.path, 'utf8'), from.label));
} catch (err) {
  if (err instanceof ConfigError) {
    for (const line of err.issues) console.error(`config error: ${line}`);
    process.exit(1);
  }
  console.error(`config error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
