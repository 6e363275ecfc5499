// Renders what the app sent: Telegram text with entities, Slack Block Kit and mrkdwn.
// Everything is built with DOM nodes and textContent; nothing the app (or a customer) wrote
// is ever parsed as HTML.
(function () {
  'use strict';

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of [].concat(children || [])) if (c !== undefined && c !== null) node.append(c);
    return node;
  }

  // ------------------------------------------------------------ Telegram

  const TG_TAGS = { bold: 'b', italic: 'i', underline: 'u', strikethrough: 's', code: 'code', pre: 'pre', spoiler: 'span', blockquote: 'blockquote', text_link: 'a', url: 'a' };

  /** Telegram text + entities (UTF-16 offsets, as JS strings count) as DOM nodes. */
  function telegramText(text, entities) {
    const list = (entities || []).filter((e) => TG_TAGS[e.type]).sort((a, b) => a.offset - b.offset || b.length - a.length);
    function build(from, to, ents) {
      const out = [];
      let pos = from;
      let i = 0;
      while (i < ents.length) {
        const e = ents[i];
        if (e.offset > pos) out.push(document.createTextNode(text.slice(pos, e.offset)));
        const end = e.offset + e.length;
        const inner = [];
        let j = i + 1;
        while (j < ents.length && ents[j].offset < end) inner.push(ents[j++]);
        const tag = TG_TAGS[e.type];
        const node = el(tag, tag === 'a' ? { href: e.url || text.slice(e.offset, end), target: '_blank', rel: 'noopener' } : e.type === 'spoiler' ? { class: 'spoiler' } : {});
        node.append(...build(e.offset, end, inner));
        out.push(node);
        pos = Math.max(pos, end);
        i = j;
      }
      if (pos < to) out.push(document.createTextNode(text.slice(pos, to)));
      return out;
    }
    return build(0, text.length, list);
  }

  // ------------------------------------------------------------ Slack text

  const decode = (s) => String(s).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

  /** mrkdwn: <url|label>, <@U…>, <#C…>, *bold*, _italic_, ~strike~, `code`, ```pre```, > quote. */
  function mrkdwn(raw, names) {
    const nodes = [];
    const lines = String(raw).split('\n');
    lines.forEach((line, li) => {
      let quote = false;
      if (line.startsWith('&gt; ') || line.startsWith('> ')) {
        quote = true;
        line = line.replace(/^(&gt;|>) /, '');
      }
      const parts = inline(line, names);
      nodes.push(quote ? el('blockquote', {}, parts) : el('span', {}, parts));
      if (li < lines.length - 1) nodes.push(el('br'));
    });
    return nodes;
  }

  function inline(line, names) {
    const out = [];
    const re = /<([^>|]+)(?:\|([^>]*))?>|```([^`]+)```|`([^`]+)`|\*([^*\n]+)\*|_([^_\n]+)_|~([^~\n]+)~/g;
    let last = 0;
    let m;
    while ((m = re.exec(line))) {
      if (m.index > last) out.push(document.createTextNode(decode(line.slice(last, m.index))));
      if (m[1] !== undefined) {
        const target = m[1];
        if (target.startsWith('@')) out.push(el('span', { class: 'mention', text: '@' + ((names && names[target.slice(1)]) || m[2] || target.slice(1)) }));
        else if (target.startsWith('#')) out.push(el('span', { class: 'mention', text: '#' + (m[2] || target.slice(1)) }));
        else if (target.startsWith('!')) out.push(el('span', { class: 'mention', text: '@' + (m[2] || target.slice(1)) }));
        else out.push(el('a', { href: decode(target), target: '_blank', rel: 'noopener', text: decode(m[2] || target) }));
      } else if (m[3] !== undefined) out.push(el('pre', { text: decode(m[3]) }));
      else if (m[4] !== undefined) out.push(el('code', { text: decode(m[4]) }));
      else if (m[5] !== undefined) out.push(el('b', { text: decode(m[5]) }));
      else if (m[6] !== undefined) out.push(el('i', { text: decode(m[6]) }));
      else if (m[7] !== undefined) out.push(el('s', { text: decode(m[7]) }));
      last = re.lastIndex;
    }
    if (last < line.length) out.push(document.createTextNode(decode(line.slice(last))));
    return out;
  }

  /** A text object (plain_text or mrkdwn). */
  function textObject(t, names) {
    if (!t) return [];
    if (typeof t === 'string') return mrkdwn(t, names);
    if (t.type === 'mrkdwn') return mrkdwn(t.text || '', names);
    const lines = decode(t.text || '').split('\n');
    const out = [];
    lines.forEach((l, i) => {
      out.push(document.createTextNode(l));
      if (i < lines.length - 1) out.push(el('br'));
    });
    return out;
  }

  const plainOf = (t) => (t ? decode(t.text || '') : '');

  // ------------------------------------------------------------ Block Kit

  /**
   * Blocks as DOM. `ctx.onAction(element, extra)` is called for buttons and menus of messages;
   * `ctx.form` (modals) renders inputs as labelled form fields and collects nothing itself.
   */
  function blocks(list, ctx) {
    return (list || []).map((b) => block(b, ctx)).filter(Boolean);
  }

  function block(b, ctx) {
    switch (b.type) {
      case 'header':
        return el('div', { class: 'bk-header' }, textObject(b.text, ctx.names));
      case 'divider':
        return el('hr', { class: 'bk-divider' });
      case 'section': {
        const body = el('div', { class: 'bk-section-body' });
        if (b.text) body.append(el('div', { class: 'bk-text' }, textObject(b.text, ctx.names)));
        if (b.fields) body.append(el('div', { class: 'bk-fields' }, b.fields.map((f) => el('div', { class: 'bk-field' }, textObject(f, ctx.names)))));
        const node = el('div', { class: 'bk-section' }, [body]);
        if (b.accessory) node.append(el('div', { class: 'bk-accessory' }, [element(b.accessory, b, ctx)]));
        return node;
      }
      case 'context':
        return el('div', { class: 'bk-context' }, (b.elements || []).map((e) => (e.type === 'image' ? el('span', { class: 'bk-img', text: '🖼' }) : el('span', {}, textObject(e, ctx.names)))));
      case 'actions':
        return el('div', { class: 'bk-actions' }, (b.elements || []).map((e) => element(e, b, ctx)));
      case 'image':
        return el('div', { class: 'bk-image', text: '🖼 ' + (b.alt_text || '') });
      case 'input':
        return ctx.form ? ctx.form.input(b) : null;
      case 'rich_text':
        return el('div', { class: 'bk-text', text: richText(b) });
      default:
        return el('div', { class: 'bk-unknown', text: '[' + b.type + ']' });
    }
  }

  function richText(b) {
    const walk = (n) => (n.text || '') + (n.elements || []).map(walk).join('');
    return walk(b);
  }

  const actionName = (id) => String(id || '').replace(/^[a-z]+:/, '');

  function element(e, b, ctx) {
    const fire = (extra) => ctx.onAction && ctx.onAction(e, b, extra || {});
    switch (e.type) {
      case 'button':
        return el('button', { type: 'button', class: 'bk-button ' + (e.style || ''), 'data-action': actionName(e.action_id), 'data-action-id': e.action_id, onclick: () => fire() }, [plainOf(e.text)]);
      case 'static_select':
      case 'external_select':
      case 'users_select':
      case 'conversations_select':
      case 'channels_select': {
        const opts = (e.options || []).concat(...(e.option_groups || []).map((g) => g.options || []));
        const sel = el('select', { class: 'bk-select', 'data-action': actionName(e.action_id), 'aria-label': plainOf(e.placeholder) || actionName(e.action_id) }, [
          el('option', { value: '', text: plainOf(e.placeholder) || '…' }),
          ...opts.map((o) => el('option', { value: o.value, text: plainOf(o.text), selected: e.initial_option && e.initial_option.value === o.value })),
        ]);
        sel.addEventListener('change', () => sel.value && fire({ selected: sel.value }));
        return sel;
      }
      case 'overflow':
        return element({ ...e, type: 'static_select', placeholder: { type: 'plain_text', text: '⋯' } }, b, ctx);
      case 'datepicker': {
        const input = el('input', { type: 'date', class: 'bk-date', value: e.initial_date || '', 'data-action': actionName(e.action_id) });
        input.addEventListener('change', () => fire({ selected: input.value }));
        return input;
      }
      case 'image':
        return el('span', { class: 'bk-img', text: '🖼' });
      default:
        return el('span', { class: 'bk-unknown', text: '[' + e.type + ']' });
    }
  }

  window.AftercareBlocks = { el, telegramText, mrkdwn, textObject, plainOf, blocks, actionName, decode };
})();
