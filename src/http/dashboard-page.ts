import type { Directory } from '../core/directory.js';
import type { Language } from '../core/types.js';
import { dashboardEn } from '../i18n/dashboard-en.js';
import { dashboardZhCN } from '../i18n/dashboard-zh-CN.js';
import { deskEn } from '../i18n/desk-en.js';
import { deskZhCN } from '../i18n/desk-zh-CN.js';
import { escapeHtml } from './customer-page.js';
import { SESSION_HOURS } from './session-auth.js';

/** Where the bundled client is served (built by `npm run build` into dist/web). */
export const ASSET_BASE = '/dashboard/assets';

const TEXTS = { en: dashboardEn, 'zh-CN': dashboardZhCN } as const;
const DESK = { en: deskEn, 'zh-CN': deskZhCN } as const;

/** Everything the client needs to draw the page, embedded in it (nothing else is fetched but the API). */
export function dashboardBoot(directory: Directory, language: Language) {
  const desk = DESK[language];
  return {
    language,
    texts: { ...TEXTS[language], clock: desk.clock, severity: desk.severity, category: desk.category },
    departments: directory.config.departments.map((d) => ({ id: d.id, name: d.name[language] || d.name.en })),
    staff: directory.config.departments.flatMap((d) => d.staff.map((s) => ({ id: s.id, name: s.name }))),
    channels: ['telegram', 'api', 'slack', 'discord'],
  };
}

export type DashboardBoot = ReturnType<typeof dashboardBoot>;

/** JSON inside a <script> element: `<` escaped so no text can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function layout(language: Language, title: string, body: string): string {
  return (
    `<!doctype html><html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta name="robots" content="noindex"><link rel="icon" href="data:,"><title>${escapeHtml(title)}</title><link rel="stylesheet" href="${ASSET_BASE}/dashboard.css"></head>` +
    `<body>${body}</body></html>`
  );
}

function languageLinks(language: Language): string {
  const t = TEXTS[language];
  const link = (lang: Language, label: string) =>
    lang === language ? `<strong>${label}</strong>` : `<a href="/dashboard?lang=${lang}" hreflang="${lang}" data-lang="${lang}">${label}</a>`;
  return `<nav class="lang" aria-label="${escapeHtml(t.language)}">${link('en', 'English')} · ${link('zh-CN', '中文')}</nav>`;
}

/** The sign-in form: the API token, posted to /dashboard/login. */
export function loginPage(language: Language, error?: 'wrong' | 'missing'): string {
  const t = TEXTS[language];
  return layout(
    language,
    t.login.title,
    `<main class="login">${languageLinks(language)}<h1>${escapeHtml(t.login.title)}</h1>` +
      (error ? `<p class="error" role="alert">${escapeHtml(t.login[error])}</p>` : '') +
      `<form method="post" action="/dashboard/login"><input type="hidden" name="lang" value="${language}">` +
      `<label for="token">${escapeHtml(t.login.token)}</label>` +
      `<input id="token" name="token" type="password" autocomplete="current-password" required maxlength="512">` +
      `<p class="hint">${escapeHtml(t.login.hint.replace('{{hours}}', String(SESSION_HOURS)))}</p>` +
      `<button type="submit">${escapeHtml(t.login.submit)}</button></form></main>`,
  );
}

/** The dashboard's shell; the client (dashboard.js) fills it from the reports API. */
export function dashboardPage(boot: DashboardBoot): string {
  const t = TEXTS[boot.language];
  return layout(
    boot.language,
    t.title,
    `<header>${languageLinks(boot.language)}<h1>${escapeHtml(t.title)}</h1>` +
      `<form method="post" action="/dashboard/logout" class="logout"><button type="submit">${escapeHtml(t.logout)}</button></form></header>` +
      `<main id="dashboard" aria-busy="true"><p class="loading">${escapeHtml(t.loading)}</p></main>` +
      `<script type="application/json" id="dashboard-boot">${scriptJson(boot)}</script>` +
      // The first load's requests start from a small async script after the boot data: it waits
      // neither for the stylesheet nor for the charts bundle (web/dashboard/first-load.ts).
      `<script src="${ASSET_BASE}/dashboard-first.js" async></script><script src="${ASSET_BASE}/dashboard.js" defer></script>`,
  );
}
