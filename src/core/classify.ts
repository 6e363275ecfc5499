import { findKeywords } from './keywords.js';
import type { Category, Severity } from './types.js';

/** Keyword rules per category, English and Simplified Chinese. First matching category in this order wins. */
const CATEGORY_RULES: readonly { category: Category; keywords: readonly string[] }[] = [
  {
    category: 'complaint',
    keywords: [
      '投诉', '态度', '差评', '不满', '太差', '恶劣', '骗', '退款', '赔偿', '延误', '迟迟', '一直没',
      'complain', 'complaint', 'rude', 'attitude', 'unacceptable', 'terrible service', 'refund', 'compensation',
      'disappointed', 'never arrived', 'late delivery', 'still not delivered',
    ],
  },
  {
    category: 'fault',
    keywords: [
      '坏了', '故障', '不能用', '无法', '报错', '错误', '死机', '失灵', '不工作', '打不开', '启动不了', '异常', '损坏', '崩溃',
      'broken', 'not working', "doesn't work", 'does not work', "won't", 'cannot start', "can't start", 'error',
      'crash', 'fails', 'failed', 'failure', 'fault', 'defect', 'malfunction', 'stopped working', 'dead',
    ],
  },
  {
    category: 'suggestion',
    keywords: ['建议', '希望增加', '希望能', '能不能加', '改进', '新功能', 'suggest', 'suggestion', 'feature request', 'would be nice', 'it would be great', 'please add', 'improve'],
  },
  {
    category: 'inquiry',
    keywords: ['如何', '怎么', '怎样', '请问', '咨询', '是否', '多少', 'how do i', 'how to', 'how can', 'where can', 'what is', 'is it possible', 'question'],
  },
];

const SEVERITY_RULES: readonly { severity: Severity; keywords: readonly string[] }[] = [
  {
    severity: 'critical',
    keywords: ['停产', '停工', '瘫痪', '全部无法', '无法营业', '生产线', '宕机', '全线', 'production down', 'outage', 'all users', 'cannot operate', 'business stopped', 'line stopped', 'system down', 'emergency'],
  },
  {
    severity: 'urgent',
    keywords: ['紧急', '很急', '着急', '急需', '加急', '尽快', '部分功能', '影响使用', 'urgent', 'asap', 'as soon as possible', 'partially', 'some features'],
  },
];

export interface Suggestion<T> {
  value: T;
  /** Keywords that matched; empty when the default was used. */
  matched: string[];
}

const match = findKeywords;

/** Suggests a category from the description; `inquiry` when nothing matches. */
export function suggestCategory(text: string): Suggestion<Category> {
  for (const rule of CATEGORY_RULES) {
    const matched = match(text, rule.keywords);
    if (matched.length > 0) return { value: rule.category, matched };
  }
  return { value: 'inquiry', matched: [] };
}

/** Suggests a severity from the description; `normal` when nothing matches. */
export function suggestSeverity(text: string): Suggestion<Severity> {
  for (const rule of SEVERITY_RULES) {
    const matched = match(text, rule.keywords);
    if (matched.length > 0) return { value: rule.severity, matched };
  }
  return { value: 'normal', matched: [] };
}

export interface Classification {
  category: Category;
  severity: Severity;
  /** What the text suggested, recorded even when the customer chose. */
  suggested: { category: Suggestion<Category>; severity: Suggestion<Severity> };
  source: { category: 'customer' | 'suggested'; severity: 'customer' | 'suggested' };
}

/** Category and severity: the customer's choice where given, else the suggestion from the text. */
export function classify(text: string, chosen: { category?: Category | undefined; severity?: Severity | undefined }): Classification {
  const category = suggestCategory(text);
  const severity = suggestSeverity(text);
  return {
    category: chosen.category ?? category.value,
    severity: chosen.severity ?? severity.value,
    suggested: { category, severity },
    source: {
      category: chosen.category ? 'customer' : 'suggested',
      severity: chosen.severity ? 'customer' : 'suggested',
    },
  };
}
