import type { TicketState } from '../app/ports.js';
import { toLanguage, translator } from '../i18n/index.js';

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * The page language: `?lang=` if it is en or zh-CN, else the first of en/zh in
 * Accept-Language, else the customer's own language.
 */
export function pageLanguage(query: string | undefined, acceptLanguage: string | undefined, customerLanguage: string): 'en' | 'zh-CN' {
  if (query === 'en' || query === 'zh-CN') return query;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]!.trim();
    if (/^zh/i.test(tag)) return 'zh-CN';
    if (/^en/i.test(tag)) return 'en';
  }
  return toLanguage(customerLanguage);
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.5}
h1{font-size:1.4rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{font-weight:600}
form{margin:1rem 0;padding:1rem;border:1px solid #ddd;border-radius:.5rem}textarea,select{width:100%;box-sizing:border-box;margin:.3rem 0}
button{padding:.5rem 1rem;border-radius:.4rem;border:1px solid #888;background:#f4f4f4;cursor:pointer}.ok{background:#e6f4ea}.note{background:#fff8e1;padding:.6rem;border-radius:.4rem}
.lang{float:right;font-size:.9rem}fieldset{border:0;padding:0}label{margin-right:.6rem}`;

function layout(language: string, title: string, body: string): string {
  return `<!doctype html><html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export type PageNotice = 'confirmed' | 'reopened' | 'rated' | 'already' | 'invalid';

/** The customer's page of one ticket: status, result, and the forms the link allows. */
export function customerPage(state: TicketState, token: string, language: 'en' | 'zh-CN', notice: PageNotice | undefined): string {
  const t = translator(language);
  const tk = state.ticket;
  const base = `/c/${encodeURIComponent(token)}`;
  const q = `?lang=${language}`;
  const other = language === 'en' ? 'zh-CN' : 'en';
  const parts: string[] = [
    `<a class="lang" href="${base}?lang=${other}">${other === 'en' ? 'English' : '简体中文'}</a>`,
    `<h1>${escapeHtml(t('page.title', { number: tk.number }))}</h1>`,
  ];
  if (notice) parts.push(`<p class="note" role="status">${escapeHtml(t(`page.done.${notice}`))}</p>`);
  const rows: [string, string][] = [
    [t('page.product'), tk.product],
    [t('page.status'), t(`status.${tk.status}`)],
  ];
  if (tk.resolution) rows.push([t('page.result'), tk.resolution.measures], [t('page.advice'), tk.resolution.advice]);
  parts.push(`<dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`);
  if (tk.status === 'resolved') {
    parts.push(
      `<p><strong>${escapeHtml(t('page.question'))}</strong></p>`,
      `<form method="post" action="${base}/confirm${q}"><button class="ok" type="submit">${escapeHtml(t('page.confirm'))}</button></form>`,
      `<form method="post" action="${base}/not-resolved${q}"><label for="text">${escapeHtml(t('page.notResolvedText'))}</label>` +
        `<textarea id="text" name="text" rows="3" maxlength="2000"></textarea><button type="submit">${escapeHtml(t('page.notResolved'))}</button></form>`,
    );
  }
  const rated = state.surveys?.some((s) => s.kind === 'satisfaction' && s.csat !== null) ?? false;
  if ((tk.status === 'resolved' || tk.status === 'closed') && !rated) {
    const stars = [1, 2, 3, 4, 5].map((n) => `<label><input type="radio" name="csat" value="${n}" required> ${n}</label>`).join('');
    const nps = ['<option value=""></option>', ...Array.from({ length: 11 }, (_, n) => `<option value="${n}">${n}</option>`)].join('');
    parts.push(
      `<form method="post" action="${base}/survey${q}"><p><strong>${escapeHtml(t('page.rate'))}</strong></p>` +
        `<fieldset><legend>${escapeHtml(t('page.csat'))}</legend>${stars}</fieldset>` +
        `<label for="nps">${escapeHtml(t('page.nps'))}</label><select id="nps" name="nps">${nps}</select>` +
        `<label for="comment">${escapeHtml(t('page.comment'))}</label><textarea id="comment" name="comment" rows="3" maxlength="2000"></textarea>` +
        `<button type="submit">${escapeHtml(t('page.send'))}</button></form>`,
    );
  }
  return layout(language, t('page.title', { number: tk.number }), parts.join('\n'));
}

/** The page for a link that is expired (410) or not valid (404), in both languages. */
export function linkErrorPage(reason: 'expired' | 'invalid'): string {
  const en = translator('en')(`page.${reason}`);
  const zh = translator('zh-CN')(`page.${reason}`);
  return layout('en', en, `<h1>${escapeHtml(en)}</h1><p lang="zh-CN">${escapeHtml(zh)}</p>`);
}
