/** A few DOM helpers: every text goes in as a text node, never as HTML. */
export function el(tag: string, attrs: Record<string, string> = {}, children: (Node | string)[] = []): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** A table with a header row; `empty` shows in one cell when there are no rows. */
export function table(head: string[], rows: (string | Node)[][], empty?: string): HTMLElement {
  const body = rows.length
    ? rows.map((r) => el('tr', {}, r.map((c, i) => el(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row' } : {}, [c]))))
    : [el('tr', {}, [el('td', { colspan: String(head.length), class: 'empty' }, [empty ?? ''])])];
  return el('table', {}, [el('thead', {}, [el('tr', {}, head.map((h) => el('th', { scope: 'col' }, [h])))]), el('tbody', {}, body)]);
}
