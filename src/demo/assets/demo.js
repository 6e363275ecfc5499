// The demo page: renders /demo/state, refreshes it on every Server-Sent Event, and turns
// clicks into what the platforms would send (through the demo server's /demo/* routes).
(function () {
  'use strict';
  const B = window.AftercareBlocks;
  const el = B.el;

  const TEXTS = {
    en: {
      title: 'Aftercare demo',
      lead: 'A customer on Telegram, the staff on Slack: everything below is what the real bot sent through local emulators.',
      queues: 'Job queues',
      dashboard: 'Dashboard',
      pageLanguage: 'Page',
      clocks: 'Running SLA clocks',
      noClocks: 'none running',
      customerLanguage: 'Customer speaks',
      newCustomer: 'New customer',
      customerHint: 'Say hello, or send /new to report a problem.',
      photo: 'Send a photo',
      message: 'Message',
      send: 'Send',
      youAre: 'You are',
      dms: 'Direct messages',
      noMessages: 'Nothing here yet.',
      replies: (n) => (n === 1 ? '1 reply' : n + ' replies'),
      onlyYou: 'Only visible to you',
      cancel: 'Cancel',
      submit: 'Submit',
      photoSent: 'Photo',
      edited: '(edited)',
      overdue: 'overdue',
      escalation: (l) => 'escalation level ' + l + ', next step',
      remind: 'reminder',
      agent: 'agent',
      supervisor: 'supervisor',
      queuesHint: 'user: anything, password: the API token printed by npm run demo',
      kinds: {
        first_response: 'first response',
        contact_customer: 'contact customer',
        diagnosis_plan: 'diagnosis plan',
        resolution: 'resolution',
        critical_start: 'critical start',
        result_notice: 'result notice',
        verification_callback: 'verification callback',
      },
    },
    'zh-CN': {
      title: 'Aftercare 演示',
      lead: '客户在 Telegram，员工在 Slack：下面显示的都是真实机器人通过本地模拟器发送的内容。',
      queues: '任务队列',
      dashboard: '仪表盘',
      pageLanguage: '页面',
      clocks: '正在计时的 SLA',
      noClocks: '暂无计时',
      customerLanguage: '客户语言',
      newCustomer: '新客户',
      customerHint: '打个招呼，或发送 /new 报告问题。',
      photo: '发送图片',
      message: '消息',
      send: '发送',
      youAre: '当前身份',
      dms: '私信',
      noMessages: '暂无消息。',
      replies: (n) => n + ' 条回复',
      onlyYou: '仅你可见',
      cancel: '取消',
      submit: '提交',
      photoSent: '图片',
      edited: '（已编辑）',
      overdue: '已超时',
      escalation: (l) => '第 ' + l + ' 级升级，下一步',
      remind: '提醒',
      agent: '专员',
      supervisor: '主管',
      queuesHint: '用户名任意，密码为 npm run demo 打印的 API 令牌',
      kinds: {
        first_response: '首次响应',
        contact_customer: '联系客户',
        diagnosis_plan: '诊断方案',
        resolution: '解决',
        critical_start: '紧急处理开始',
        result_notice: '结果通知',
        verification_callback: '回访',
      },
    },
  };

  let pageLang = localStorage.getItem('aftercare-demo-lang') || (navigator.language && navigator.language.startsWith('zh') ? 'zh-CN' : 'en');
  const t = (k, ...a) => {
    const v = (TEXTS[pageLang] || TEXTS.en)[k];
    return typeof v === 'function' ? v(...a) : v;
  };

  let state = null;
  let skew = 0;
  let me = localStorage.getItem('aftercare-demo-staff') || '';
  const rendered = {};

  async function post(path, body) {
    const res = await fetch('/demo/' + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}) });
    if (!res.ok) {
      const err = await res.json().catch(() => ({}));
      console.warn('demo request failed', path, err);
    }
    return res;
  }

  /**
   * Puts `items` ({ key, json, build }) into `box`, reusing the node of every item whose content
   * did not change: a live update never re-creates (and so never moves) what is being clicked.
   */
  function reconcile(box, items) {
    const old = new Map();
    for (const child of [...box.children]) if (child.dataset.key) old.set(child.dataset.key, child);
    let prev = null;
    for (const item of items) {
      let node = old.get(item.key);
      if (!node || node.dataset.json !== item.json) {
        const fresh = item.build();
        fresh.dataset.key = item.key;
        fresh.dataset.json = item.json;
        if (node) node.replaceWith(fresh);
        node = fresh;
      }
      old.delete(item.key);
      const want = prev ? prev.nextSibling : box.firstChild;
      if (want !== node) box.insertBefore(node, want);
      prev = node;
    }
    for (const child of [...box.children]) if (!child.dataset.key || old.has(child.dataset.key)) child.remove();
  }

  // ------------------------------------------------------------ page texts

  function applyTexts() {
    document.documentElement.lang = pageLang;
    for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll('[data-i18n-placeholder]')) node.placeholder = t(node.dataset.i18nPlaceholder);
    for (const node of document.querySelectorAll('[data-i18n-title]')) node.title = t(node.dataset.i18nTitle);
    document.querySelector('[data-testid="link-queues"]').title = t('queuesHint');
    document.querySelector('[data-testid="page-language"]').value = pageLang;
    for (const k of Object.keys(rendered)) delete rendered[k];
    if (state) render();
  }

  // ------------------------------------------------------------ the phone

  function renderPhone() {
    const box = document.getElementById('customer-messages');
    const key = JSON.stringify([state.customer, pageLang]);
    if (rendered.phone === key) return;
    const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 30;
    rendered.phone = key;
    document.getElementById('customer-language').value = state.customer.language;
    document.getElementById('customer-hint').hidden = state.customer.messages.length > 0;
    reconcile(
      box,
      state.customer.messages.map((m) => ({ key: state.customer.chatId + ':' + m.id, json: JSON.stringify([m, pageLang]), build: () => {
        const body = el('div', { class: 'tg-text' });
        if (m.photo) body.append(el('div', { class: 'tg-photo', text: '🖼 ' + t('photoSent') }));
        if (m.document) body.append(el('div', { class: 'tg-photo', text: '📄 ' + m.document }));
        body.append(...B.telegramText(m.text, m.entities));
        const rows = m.buttons.map((r) =>
          el(
            'div',
            { class: 'tg-row' },
            r.map((b) =>
              b.url
                ? el('a', { class: 'tg-button', href: b.url, target: '_blank', rel: 'noopener', text: b.text })
                : el('button', { type: 'button', class: 'tg-button', 'data-data': b.data, text: b.text, onclick: () => post('customer/press', { messageId: m.id, data: b.data }) }),
            ),
          ),
        );
        const time = new Date(m.date * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
        return el('div', { class: 'tg-message ' + m.from, 'data-testid': 'customer-message', 'data-from': m.from, 'data-id': m.id }, [
          body,
          el('div', { class: 'tg-meta', text: (m.edited ? t('edited') + ' ' : '') + time }),
          ...(rows.length ? [el('div', { class: 'tg-keyboard' }, rows)] : []),
        ]);
      } })),
    );
    if (atBottom || box.dataset.first !== '1') box.scrollTop = box.scrollHeight;
    box.dataset.first = '1';
  }

  // ------------------------------------------------------------ the workspace

  function names() {
    const map = {};
    for (const s of state.staff) map[s.slack] = s.name;
    return map;
  }

  function staffPicker() {
    const sel = document.getElementById('staff-as');
    const key = JSON.stringify([state.staff.map((s) => s.id), pageLang]);
    if (!state.staff.some((s) => s.id === me)) me = (state.staff.find((s) => s.id === 'dave') || state.staff[0]).id;
    if (rendered.picker !== key) {
      rendered.picker = key;
      sel.replaceChildren(
        ...state.staff.map((s) => el('option', { value: s.id, text: s.name + ' — ' + s.departmentName[pageLang] + ' (' + t(s.role) + ')' })),
      );
    }
    sel.value = me;
  }

  const TICKET = /AC-\d{6,}/;

  function ticketOf(m) {
    const header = (m.blocks || []).find((b) => b.type === 'header');
    const found = TICKET.exec((header && header.text && header.text.text) || '') || TICKET.exec(m.text || '');
    return found ? found[0] : undefined;
  }

  function slackMessage(m, channel, ctxNames, isThread) {
    const ticket = !isThread && m.bot ? ticketOf(m) : undefined;
    const ctx = {
      names: ctxNames,
      onAction: (e, _b, extra) => post('staff/action', { staff: me, channel, ts: m.ts, actionId: e.action_id, ...(extra.selected !== undefined && { selected: extra.selected }) }),
    };
    const author = m.bot ? 'Aftercare' : ctxNames[m.user] || m.user;
    const content = m.blocks && m.blocks.length ? B.blocks(m.blocks, ctx) : B.mrkdwn(m.text, ctxNames);
    const node = el('div', { class: 'sl-message' + (isThread ? ' reply' : ''), 'data-ts': m.ts, ...(ticket && { 'data-testid': 'ticket-card', 'data-ticket': ticket }) }, [
      el('div', { class: 'sl-author' }, [el('b', { text: author }), m.bot ? el('span', { class: 'app-tag', text: 'APP' }) : null, m.edited ? el('span', { class: 'sl-edited', text: t('edited') }) : null]),
      el('div', { class: 'sl-content' }, content),
    ]);
    if (m.thread && m.thread.length) {
      const thread = el('details', { class: 'sl-thread', open: true, 'data-testid': 'thread' }, [
        el('summary', { text: t('replies', m.thread.length) }),
        ...m.thread.map((r) => slackMessage(r, channel, ctxNames, true)),
      ]);
      node.append(thread);
    }
    return node;
  }

  function ephemeralNodes(channel) {
    return (state.ephemerals[me] || [])
      .filter((e) => e.channel === channel)
      .map((e) =>
        el('div', { class: 'sl-message ephemeral', 'data-testid': 'ephemeral' }, [
          el('div', { class: 'sl-author' }, [el('b', { text: 'Aftercare' }), el('span', { class: 'sl-edited', text: t('onlyYou') })]),
          el('div', { class: 'sl-content' }, e.blocks.length ? B.blocks(e.blocks, { names: names() }) : B.mrkdwn(e.text, names())),
        ]),
      );
  }

  function fillPane(box, messages, channel) {
    const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 30;
    const n = names();
    const items = messages.map((m) => ({ key: m.ts, json: JSON.stringify([m, me, pageLang]), build: () => slackMessage(m, channel, n, false) }));
    const eph = ephemeralNodes(channel);
    eph.forEach((node, i) => items.push({ key: 'e' + i, json: node.textContent, build: () => node }));
    if (!items.length) items.push({ key: 'empty', json: t('noMessages'), build: () => el('p', { class: 'empty', text: t('noMessages') }) });
    reconcile(box, items);
    if (atBottom) box.scrollTop = box.scrollHeight;
  }

  function renderWorkspace() {
    staffPicker();
    const who = state.staff.find((s) => s.id === me);
    const dms = state.dms[me] || [];
    const dmChannel = 'D' + (who ? who.slack : '');
    const dmKey = JSON.stringify([me, dms, (state.ephemerals[me] || []).filter((e) => e.channel === '' || e.channel === dmChannel), pageLang]);
    if (rendered.dm !== dmKey) {
      rendered.dm = dmKey;
      document.getElementById('dm-who').textContent = who ? who.name : '';
      const box = document.getElementById('dm-messages');
      fillPane(box, dms.concat(), dmChannel);
      for (const node of ephemeralNodes('')) box.append(node);
    }
    const root = document.getElementById('channels');
    for (const c of state.channels) {
      let pane = root.querySelector('[data-channel="' + c.id + '"]');
      if (!pane) {
        pane = el('div', { class: 'pane', 'data-testid': 'staff-channel', 'data-channel': c.id, 'data-slack': c.slack }, [
          el('h2', { class: 'pane-title' }),
          el('div', { class: 'pane-messages' }),
        ]);
        root.append(pane);
      }
      const key = JSON.stringify([c, me, (state.ephemerals[me] || []).filter((e) => e.channel === c.slack), pageLang]);
      if (rendered['c:' + c.id] === key) continue;
      rendered['c:' + c.id] = key;
      const mine = who && who.department === c.id;
      pane.classList.toggle('mine', Boolean(mine));
      pane.querySelector('.pane-title').textContent = '# ' + c.name[pageLang];
      fillPane(pane.querySelector('.pane-messages'), c.messages, c.slack);
    }
  }

  // ------------------------------------------------------------ modals

  function stateValue(node) {
    const type = node.dataset.type;
    switch (type) {
      case 'plain_text_input':
      case 'number_input':
      case 'email_text_input':
      case 'url_text_input':
        return { type, value: node.value === '' ? null : node.value };
      case 'static_select':
      case 'external_select': {
        const o = node.selectedOptions[0];
        return { type, selected_option: node.value ? { text: { type: 'plain_text', text: o.textContent, emoji: true }, value: node.value } : null };
      }
      case 'multi_static_select':
        return { type, selected_options: [...node.selectedOptions].filter((o) => o.value).map((o) => ({ text: { type: 'plain_text', text: o.textContent, emoji: true }, value: o.value })) };
      case 'datepicker':
        return { type, selected_date: node.value || null };
      case 'timepicker':
        return { type, selected_time: node.value || null };
      case 'datetimepicker':
        return { type, selected_date_time: node.value ? Math.floor(new Date(node.value).getTime() / 1000) : null };
      case 'checkboxes':
        return { type, selected_options: [...node.querySelectorAll('input:checked')].map((i) => ({ text: { type: 'plain_text', text: i.dataset.label, emoji: true }, value: i.value })) };
      case 'radio_buttons': {
        const i = node.querySelector('input:checked');
        return { type, selected_option: i ? { text: { type: 'plain_text', text: i.dataset.label, emoji: true }, value: i.value } : null };
      }
      default:
        return { type, value: null };
    }
  }

  const pad = (n) => String(n).padStart(2, '0');
  const localDateTime = (d) => d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());

  function inputField(b, errors, seq) {
    const e = b.element || {};
    const id = 'mf-' + seq + '-' + (b.block_id || 'b');
    const common = { id, 'data-block': b.block_id, 'data-action-id': e.action_id, 'data-type': e.type, class: 'mf-control' };
    let control;
    switch (e.type) {
      case 'plain_text_input':
        control = e.multiline
          ? el('textarea', { ...common, rows: 4, maxlength: e.max_length })
          : el('input', { ...common, type: 'text', maxlength: e.max_length });
        control.value = e.initial_value || '';
        break;
      case 'number_input':
        control = el('input', { ...common, type: 'number', value: e.initial_value });
        break;
      case 'email_text_input':
        control = el('input', { ...common, type: 'email', value: e.initial_value });
        break;
      case 'url_text_input':
        control = el('input', { ...common, type: 'url', value: e.initial_value });
        break;
      case 'static_select':
      case 'external_select':
      case 'multi_static_select': {
        const opts = (e.options || []).concat(...(e.option_groups || []).map((g) => g.options || []));
        const initial = [].concat(e.initial_option || [], e.initial_options || []).map((o) => o.value);
        control = el('select', { ...common, multiple: e.type === 'multi_static_select' }, [
          e.type === 'multi_static_select' ? null : el('option', { value: '', text: B.plainOf(e.placeholder) || '…' }),
          ...opts.map((o) => el('option', { value: o.value, text: B.plainOf(o.text), selected: initial.includes(o.value) })),
        ]);
        break;
      }
      case 'datepicker':
        control = el('input', { ...common, type: 'date', value: e.initial_date });
        break;
      case 'timepicker':
        control = el('input', { ...common, type: 'time', value: e.initial_time });
        break;
      case 'datetimepicker':
        control = el('input', { ...common, type: 'datetime-local', value: e.initial_date_time ? localDateTime(new Date(e.initial_date_time * 1000)) : undefined });
        break;
      case 'checkboxes':
      case 'radio_buttons': {
        const initial = [].concat(e.initial_option || [], e.initial_options || []).map((o) => o.value);
        control = el(
          'div',
          { ...common, id: undefined, role: 'group', 'aria-labelledby': id + '-label' },
          (e.options || []).map((o, i) =>
            el('label', { class: 'mf-choice' }, [
              el('input', { type: e.type === 'checkboxes' ? 'checkbox' : 'radio', name: id, id: id + '-' + i, value: o.value, 'data-label': B.plainOf(o.text), checked: initial.includes(o.value) }),
              ' ' + B.plainOf(o.text),
            ]),
          ),
        );
        break;
      }
      default:
        control = el('input', { ...common, type: 'text' });
    }
    const label = B.plainOf(b.label);
    const isGroup = e.type === 'checkboxes' || e.type === 'radio_buttons';
    return el('div', { class: 'mf-field' + (errors[b.block_id] ? ' has-error' : '') }, [
      isGroup ? el('span', { class: 'mf-label', id: id + '-label', text: label + (b.optional ? '' : ' *') }) : el('label', { class: 'mf-label', for: id, text: label + (b.optional ? '' : ' *') }),
      control,
      b.hint ? el('div', { class: 'mf-hint', text: B.plainOf(b.hint) }) : null,
      errors[b.block_id] ? el('div', { class: 'mf-error', role: 'alert', text: errors[b.block_id] }) : null,
    ]);
  }

  function renderModal() {
    const root = document.getElementById('modal-root');
    const open = state.modals[me];
    const key = JSON.stringify([me, open && open.view.id, open && open.view.hash, open && open.errors, pageLang]);
    if (rendered.modal === key) return;
    rendered.modal = key;
    if (!open) {
      root.replaceChildren();
      return;
    }
    const view = open.view;
    let seq = 0;
    const form = el('form', { class: 'modal', 'data-testid': 'modal', 'data-view': view.id, 'data-callback': view.callback_id, role: 'dialog', 'aria-label': B.plainOf(view.title) });
    const ctx = {
      names: names(),
      form: { input: (b) => inputField(b, open.errors || {}, ++seq) },
      onAction: (e) => post('staff/action', { staff: me, channel: '', ts: '0.0', actionId: e.action_id }),
    };
    const submit = view.submit
      ? el('button', { type: 'submit', class: 'bk-button primary', 'data-testid': 'modal-submit', text: B.plainOf(view.submit) || t('submit') })
      : null;
    form.append(
      el('div', { class: 'modal-title', text: B.plainOf(view.title) }),
      el('div', { class: 'modal-body' }, B.blocks(view.blocks, ctx)),
      el('div', { class: 'modal-buttons' }, [
        el('button', { type: 'button', class: 'bk-button', 'data-testid': 'modal-close', text: B.plainOf(view.close) || t('cancel'), onclick: () => post('staff/close', { staff: me }) }),
        submit,
      ]),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const values = {};
      for (const node of form.querySelectorAll('[data-block]')) {
        values[node.dataset.block] = values[node.dataset.block] || {};
        values[node.dataset.block][node.dataset.actionId] = stateValue(node);
      }
      if (submit) submit.disabled = true;
      void post('staff/submit', { staff: me, viewId: view.id, values }).finally(() => {
        if (submit) submit.disabled = false;
      });
    });
    root.replaceChildren(el('div', { class: 'modal-backdrop' }, [form]));
    const first = form.querySelector('.mf-control');
    if (first) first.focus();
  }

  // ------------------------------------------------------------ clocks

  function fmt(ms) {
    const neg = ms < 0;
    const s = Math.floor(Math.abs(ms) / 1000);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const text = (h ? h + ':' + pad(m) : m) + ':' + pad(s % 60);
    return neg ? '−' + text : text;
  }

  function renderClocks() {
    const list = document.getElementById('clock-list');
    const now = Date.now() + skew;
    const items = [];
    for (const c of state.clocks) {
      const left = new Date(c.deadline).getTime() - now;
      items.push(
        el('span', { class: 'clock ' + (left < 0 || c.breached ? 'late' : c.remindAt && new Date(c.remindAt).getTime() <= now ? 'warn' : ''), 'data-testid': 'clock', 'data-ticket': c.ticket, 'data-kind': c.kind }, [
          el('b', { text: c.ticket }),
          ' ' + ((t('kinds') || {})[c.kind] || c.kind) + ' ',
          el('span', { class: 'left', text: left < 0 ? t('overdue') + ' ' + fmt(left) : fmt(left) }),
        ]),
      );
    }
    for (const e of state.escalations) {
      const left = new Date(e.nextStepAt).getTime() - now;
      items.push(el('span', { class: 'clock esc', 'data-testid': 'clock', 'data-ticket': e.ticket, 'data-kind': 'escalation' }, [el('b', { text: e.ticket }), ' ' + t('escalation', e.level) + ' ', el('span', { class: 'left', text: fmt(left) })]));
    }
    list.replaceChildren(...(items.length ? items : [el('span', { class: 'empty', text: t('noClocks') })]));
  }

  // ------------------------------------------------------------ live updates

  function render() {
    renderPhone();
    renderWorkspace();
    renderModal();
    renderClocks();
    document.querySelector('[data-testid="link-dashboard"]').hidden = !state.links.dashboard;
    document.body.dataset.ready = '1';
  }

  let loading = false;
  let again = false;
  async function refresh() {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      const res = await fetch('/demo/state', { cache: 'no-store' });
      if (res.ok) {
        state = await res.json();
        skew = new Date(state.now).getTime() - Date.now();
        render();
      }
    } finally {
      loading = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  }

  const events = new EventSource('/demo/events');
  events.addEventListener('change', () => void refresh());
  events.addEventListener('open', () => void refresh());
  setInterval(() => state && renderClocks(), 1000);
  // Clocks start and stop without an emulator call now and then (a timer's database change).
  setInterval(() => void refresh(), 5000);

  // ------------------------------------------------------------ controls

  document.getElementById('customer-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = document.getElementById('customer-input');
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    void post('customer/send', { text });
  });
  document.getElementById('customer-photo').addEventListener('click', () => {
    const input = document.getElementById('customer-input');
    const caption = input.value.trim();
    input.value = '';
    void post('customer/photo', caption ? { caption } : {});
  });
  document.getElementById('customer-language').addEventListener('change', (ev) => void post('customer/language', { language: ev.target.value }));
  document.getElementById('new-customer').addEventListener('click', () => void post('customer/new', {}));
  document.getElementById('staff-as').addEventListener('change', (ev) => {
    me = ev.target.value;
    localStorage.setItem('aftercare-demo-staff', me);
    if (state) render();
  });
  document.querySelector('[data-testid="page-language"]').addEventListener('change', (ev) => {
    pageLang = ev.target.value;
    localStorage.setItem('aftercare-demo-lang', pageLang);
    applyTexts();
  });
  applyTexts();
  void refresh();
})();
