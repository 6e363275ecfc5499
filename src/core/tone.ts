import { findKeywords } from './keywords.js';

/** Words that read angry or threatening (SPEC §5, document 002), English and Chinese. */
const ANGRY = [
  'lawyer', 'sue', 'suing', 'lawsuit', 'court', 'refund now', 'scam', 'fraud', 'cheat', 'worst', 'terrible', 'disgusting',
  'unacceptable', 'ridiculous', 'useless', 'never again', 'report you', 'consumer protection', 'media',
  '投诉', '曝光', '差评', '律师', '起诉', '法院', '骗子', '欺诈', '垃圾', '退款', '消协', '媒体', '太差', '气死', '忍无可忍',
];

export interface Tone {
  angry: boolean;
  reasons: string[];
}

/** Flags a customer message that reads angry or threatening: a lexicon hit, or "!!!". */
export function detectTone(text: string): Tone {
  const reasons = findKeywords(text, ANGRY);
  if (/[!！]{3,}/.test(text)) reasons.push('!!!');
  return { angry: reasons.length > 0, reasons };
}
