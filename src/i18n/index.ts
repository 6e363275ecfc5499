import i18next, { type TFunction } from 'i18next';
import type { Language } from '../core/types.js';
import { en } from './en.js';
import { zhCN } from './zh-CN.js';

const instance = i18next.createInstance();
void instance.init({
  resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
  lng: 'en',
  fallbackLng: 'en',
  initAsync: false,
  // Texts are HTML for Telegram; values are escaped by the caller where needed.
  interpolation: { escapeValue: false },
  returnNull: false,
  showSupportNotice: false,
});

/** Texts in `language` (en or zh-CN) from the shared catalogue. */
export function translator(language: string): TFunction {
  return instance.getFixedT(toLanguage(language));
}

/** Maps a Telegram/Slack/Discord language code to one we speak: zh* → zh-CN, else en. */
export function toLanguage(code: string | undefined | null): Language {
  return code && /^zh/i.test(code) ? 'zh-CN' : 'en';
}

/** "2 hours", "15 分钟" for a budget in milliseconds. */
export function formatPromise(ms: number, language: string): string {
  const t = translator(language);
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120 && minutes % 60 !== 0) return t('duration.minutes', { count: minutes });
  const hours = Math.round(minutes / 60);
  if (hours < 48) return t('duration.hours', { count: hours });
  return t('duration.days', { count: Math.round(hours / 24) });
}
