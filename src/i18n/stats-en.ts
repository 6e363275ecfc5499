/** English texts of the `/aftercare stats` summary (the `stats` namespace). */
export const statsEn = {
  title: 'Service report {{from}} – {{to}}',
  scope: 'Department: {{department}}',
  volume: 'Tickets: {{created}} new · {{resolved}} resolved · {{open}} open now',
  firstResponse: 'First response: median {{median}} · p90 {{p90}} ({{n}} tickets)',
  resolution: 'Resolution: median {{median}} · p90 {{p90}} ({{n}} tickets)',
  rates: 'First-contact resolution {{fcr}} · reopen rate {{reopen}} · resolved within 24 h {{within24h}}',
  satisfaction: 'CSAT {{csat}} ({{n}} answers, {{satisfied}} satisfied) · NPS {{nps}}',
  worstClock: 'Clock missed most: {{clock}}, {{pct}} met ({{breached}} breached)',
  noClock: 'No SLA clock ended in this period.',
  none: '—',
  unavailable: 'Reports are not available on this installation.',
  usage: 'Usage: /aftercare stats [today|week|month] [department]',
  unknownDepartment: 'There is no department “{{department}}”.',
  ownDepartmentOnly: 'Agents see the figures of their own department; supervisors see every department.',
  allDepartments: 'All departments',
};
