import type { statsEn } from './stats-en.js';

/** `/aftercare stats` 摘要的简体中文文本（`stats` 命名空间）。 */
export const statsZhCN: typeof statsEn = {
  title: '服务报告 {{from}} – {{to}}',
  scope: '部门：{{department}}',
  volume: '工单：新建 {{created}} · 已解决 {{resolved}} · 当前未结 {{open}}',
  firstResponse: '首次响应：中位数 {{median}} · p90 {{p90}}（{{n}} 个工单）',
  resolution: '解决时长：中位数 {{median}} · p90 {{p90}}（{{n}} 个工单）',
  rates: '一次解决率 {{fcr}} · 重开率 {{reopen}} · 24 小时内解决 {{within24h}}',
  satisfaction: '满意度 {{csat}}（{{n}} 份回复，满意 {{satisfied}}）· NPS {{nps}}',
  worstClock: '最常超时的时钟：{{clock}}，达标 {{pct}}（超时 {{breached}} 次）',
  noClock: '本期没有结束的 SLA 时钟。',
  none: '—',
  unavailable: '本系统未开启报表。',
  usage: '用法：/aftercare stats [today|week|month] [部门]',
  unknownDepartment: '没有名为“{{department}}”的部门。',
  ownDepartmentOnly: '客服只能查看本部门的数据；主管可查看所有部门。',
  allDepartments: '所有部门',
};
