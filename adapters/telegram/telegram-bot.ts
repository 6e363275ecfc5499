import { randomUUID } from 'node:crypto';
import { InputFile, type Api, type Bot, type Context, type InlineKeyboardMarkup, type Message } from 'node-telegram-bot-api';
import { createTicket } from '../../src/app/create-ticket.js';
import { customerAct, type Attachment, type CustomerCommand } from '../../src/app/customer-actions.js';
import type { UseCaseDeps } from '../../src/app/deps.js';
import { chooseIntake, answerIntake, nextStep, startIntake, stepBack, type DialogState, type IntakeState } from '../../src/app/intake-dialog.js';
import type { CustomerStore, DialogStore, InboundDedup, PrivacyStore, TelegramCustomer, TicketState } from '../../src/app/ports.js';
import { eraseCustomer, exportCustomer } from '../../src/app/privacy.js';
import { CLOCK_KIND_TO_KEY } from '../../src/config/build-config.js';
import { SEVERITIES, type Severity } from '../../src/core/types.js';
import { detectTone } from '../../src/core/tone.js';
import { formatDateTime, toLanguage, translator } from '../../src/i18n/index.js';
import { describeTelegramError } from './bot-api-fetch.js';
import type { CallbackSigner } from './callback-data.js';
import { escapeHtml } from './html.js';
import { cleanText } from '../../src/core/text.js';

export const PLATFORM = 'telegram';

export interface ConversationOptions {
  deps: UseCaseDeps;
  api: Api;
  customers: CustomerStore;
  dialogs: DialogStore<DialogState>;
  dedup: InboundDedup;
  signer: CallbackSigner;
  /** Customer data export and erasure behind /privacy; without it /privacy only says what is kept. */
  privacy?: PrivacyStore | undefined;
}

type Button = { text: string; action: string; arg?: string };

const TICKET_NUMBER = /^AC-\d{6,}$/i;

/**
 * The customer's side of the bot: the guided intake, /status, relaying messages to the
 * ticket, result confirmation, survey and verification answers. Translates Telegram
 * updates into use-case calls; the rules live in src/app and src/core.
 */
export class TelegramConversation {
  constructor(private readonly o: ConversationOptions) {}

  register(bot: Bot): void {
    // Telegram delivers at least once: each update_id is handled once, across restarts.
    bot.use(async (ctx, next) => {
      const id = String(ctx.update.update_id);
      if (!(await this.o.dedup.claim(PLATFORM, id))) {
        this.o.deps.log?.info({ updateId: id }, 'telegram update already handled');
        return;
      }
      try {
        await next();
      } catch (err) {
        await this.o.dedup.release(PLATFORM, id);
        throw err;
      }
    });
    bot.on('callback_query', (ctx) => this.onCallback(ctx));
    bot.on('message', (ctx) => this.onMessage(ctx));
  }

  // ——— plumbing ———

  private async language(chatId: string, ctx: Context): Promise<{ language: string; state: DialogState | null; customer: TelegramCustomer | undefined }> {
    const [dialog, customer] = await Promise.all([this.o.dialogs.get(PLATFORM, chatId), this.o.customers.byTelegramChat(chatId)]);
    const language = dialog?.language ?? customer?.language ?? toLanguage(ctx.from?.language_code);
    return { language, state: dialog?.state ?? null, customer };
  }

  private markup(chatId: string, rows: Button[][]): InlineKeyboardMarkup | undefined {
    if (rows.length === 0) return undefined;
    return { inline_keyboard: rows.map((r) => r.map((b) => ({ text: b.text, callback_data: this.o.signer.sign(chatId, b.action, b.arg ?? '') }))) };
  }

  private async send(chatId: string, html: string, rows: Button[][] = []): Promise<void> {
    const markup = this.markup(chatId, rows);
    await this.o.api.sendMessage({ chat_id: chatId, text: html, parse_mode: 'HTML', ...(markup && { reply_markup: markup }) });
  }

  private async save(chatId: string, language: string, state: DialogState | null): Promise<void> {
    await this.o.dialogs.save(PLATFORM, chatId, language, state);
  }

  // ——— messages ———

  async onMessage(ctx: Context): Promise<void> {
    const msg = ctx.message;
    // Private chats only (a missing type, as some Bot API doubles send, counts as private).
    if (!msg || (msg.chat.type !== undefined && msg.chat.type !== 'private')) return;
    const chatId = String(msg.chat.id);
    const { language, state, customer } = await this.language(chatId, ctx);
    const t = translator(language);
    // Cleaned before anything reads it: no control characters (Postgres refuses NUL), and a text
    // that shows nothing (zero-width characters only) is no text.
    const text = cleanText(msg.text ?? msg.caption ?? '');
    const attachments = attachmentsOf(msg);
    const command = /^\/([a-z_]+)(?:@\w+)?(?:\s+([\s\S]*))?$/i.exec(cleanText(msg.text ?? ''));

    if (command) {
      const [, name, args] = command;
      switch (name!.toLowerCase()) {
        case 'start':
        case 'help':
          return this.send(chatId, t('help'));
        case 'new':
          return this.beginIntake(chatId, language, customer);
        case 'cancel':
          if (state) {
            await this.save(chatId, language, null);
            return this.send(chatId, t('intake.cancelled'));
          }
          return this.send(chatId, t('intake.nothingToCancel'));
        case 'back':
          if (state?.mode === 'intake') return this.ask(chatId, language, stepBack(state));
          return this.send(chatId, t('intake.nothingToCancel'));
        case 'status':
          return this.status(chatId, language, customer, args?.trim());
        case 'privacy':
          return this.privacyMenu(chatId, language, customer);
        case 'language':
          return this.send(chatId, t('language.pick'), [[
            { text: 'English', action: 'lg', arg: 'en' },
            { text: '简体中文', action: 'lg', arg: 'zh-CN' },
          ]]);
        default:
          return this.send(chatId, t('help'));
      }
    }

    if (state?.mode === 'intake') {
      if (attachments.length) {
        const next: IntakeState = { ...state, attachments: [...state.attachments, ...attachments] };
        // A caption on a photo can answer the description question.
        if (text && next.step === 'description') return this.answer(chatId, language, next, text);
        await this.save(chatId, language, next);
        return this.send(chatId, t('intake.attachmentSaved', { count: next.attachments.length }));
      }
      return this.answer(chatId, language, state, text);
    }

    if (state?.mode === 'comment' && customer && text) {
      await this.save(chatId, language, null);
      await customerAct(this.o.deps, state.ticket, customer.id, PLATFORM, { type: 'survey', comment: text });
      return this.send(chatId, t('survey.thanks'));
    }

    if (!text && attachments.length === 0) return;
    // Numbers only: the relay's use case loads the ticket itself, under its lock.
    const open = customer ? await this.o.customers.openTicketNumbers(customer.id) : [];
    if (!customer || open.length === 0) {
      // A first free-text message starts a report, its text prefilling the description.
      return this.beginIntake(chatId, language, customer, text);
    }
    if (open.length === 1) return this.relay(chatId, language, customer, open[0]!.number, text, attachments);
    await this.save(chatId, language, { mode: 'pick', text, attachments });
    return this.send(chatId, t('relay.which'), open.slice(0, 8).map((s) => [{ text: `${s.number} — ${s.product.slice(0, 40)}`, action: 'pk', arg: s.number }]));
  }

  private async relay(chatId: string, language: string, customer: TelegramCustomer, number: string, text: string, attachments: Attachment[]): Promise<void> {
    const t = translator(language);
    await customerAct(this.o.deps, number, customer.id, PLATFORM, { type: 'message', text, attachments });
    // The message is in the ticket now: a failed (or timed-out) acknowledgement is logged, not
    // thrown, so the update stays claimed and a redelivery does not add the message twice.
    try {
      await this.send(chatId, t('relay.added', { number }));
      if (detectTone(text).angry) await this.send(chatId, t('tone.noted', { number }));
    } catch (err) {
      this.o.deps.log?.warn({ number, ...describeTelegramError(err) }, 'telegram acknowledgement of a relayed message not sent');
    }
  }

  // ——— intake ———

  private async beginIntake(chatId: string, language: string, known: TelegramCustomer | undefined, prefill?: string): Promise<void> {
    const t = translator(language);
    // A returning customer is asked only what is new: name and contact come from their record.
    const state = startIntake(randomUUID(), prefill, known && { name: known.name, company: known.company, phone: known.phone, email: known.email });
    // The first message says in one line what is stored and why (SPEC §9).
    const consent = this.o.deps.directory.config.privacy.consentNotice;
    const notice = consent ? escapeHtml(consent[toLanguage(language)]) : t('privacy.consent');
    await this.send(chatId, `${t('intake.start')}\n${notice}`);
    return this.ask(chatId, language, state);
  }

  // ——— /privacy ———

  private async privacyMenu(chatId: string, language: string, customer: TelegramCustomer | undefined): Promise<void> {
    const t = translator(language);
    const tickets = customer && this.o.privacy ? await this.o.privacy.tickets(customer.id) : [];
    const days = this.o.deps.directory.config.privacy.retentionDays;
    const kept = [customer ? t('privacy.keptTickets', { count: tickets.length }) : t('privacy.keptNothing'), days ? t('privacy.retention', { days }) : '']
      .filter(Boolean)
      .join('\n');
    const rows: Button[][] =
      customer && this.o.privacy
        ? [[{ text: t('privacy.exportButton'), action: 'pe' }], [{ text: t('privacy.deleteButton'), action: 'pd' }]]
        : [];
    return this.send(chatId, t('privacy.intro', { kept }), rows);
  }

  private async privacyAction(chatId: string, language: string, customer: TelegramCustomer | undefined, action: string): Promise<void> {
    const t = translator(language);
    const privacy = this.o.privacy;
    if (!customer || !privacy) return this.send(chatId, t('privacy.nothing'));
    const deps = { ...this.o.deps, privacy };
    switch (action) {
      case 'pe': {
        const doc = await exportCustomer(deps, customer.id);
        const bytes = new TextEncoder().encode(JSON.stringify(doc, null, 2));
        const day = this.o.deps.now().toISOString().slice(0, 10);
        await this.o.api.sendDocument({
          chat_id: chatId,
          document: new InputFile(bytes, { filename: `aftercare-my-data-${day}.json`, contentType: 'application/json' }),
          caption: t('privacy.exportCaption'),
        });
        return;
      }
      case 'pd':
        return this.send(chatId, t('privacy.confirmDelete'), [[{ text: t('privacy.confirmButton'), action: 'py' }], [{ text: t('privacy.keepButton'), action: 'pn' }]]);
      case 'pn':
        return this.send(chatId, t('privacy.kept'));
      case 'py':
        await eraseCustomer(deps, customer.id, { actor: 'customer', reason: 'asked in Telegram (/privacy)', force: true, source: PLATFORM });
        await this.save(chatId, language, null);
        return this.send(chatId, t('privacy.deleted'));
    }
  }

  private async answer(chatId: string, language: string, state: IntakeState, text: string): Promise<void> {
    const t = translator(language);
    if (state.step === 'urgency' || state.step === 'confirm' || !text) return this.ask(chatId, language, state);
    const result = answerIntake(state, text, this.o.deps.now());
    if ('hint' in result) {
      await this.send(chatId, t(`intake.${result.hint}`));
      return this.ask(chatId, language, state, false);
    }
    return this.ask(chatId, language, result.state);
  }

  /** Saves the dialog and asks its current question. */
  private async ask(chatId: string, language: string, state: IntakeState, save = true): Promise<void> {
    const t = translator(language);
    if (save) await this.save(chatId, language, state);
    const nav: Button[] = [
      { text: t('common.back'), action: 'bk' },
      { text: t('common.cancel'), action: 'cx' },
    ];
    const a = state.answers;
    switch (state.step) {
      case 'name':
        return this.send(chatId, t('intake.askName'), [[nav[1]!]]);
      case 'contact':
        return this.send(chatId, t('intake.askContact'), [nav]);
      case 'product':
        return this.send(chatId, t('intake.askProduct'), [nav]);
      case 'order':
        return this.send(chatId, t('intake.askOrder'), [nav]);
      case 'description':
        return this.send(chatId, t('intake.askDescription'), [nav]);
      case 'urgency':
        return this.send(chatId, t('intake.askUrgency'), [
          ...SEVERITIES.map((s) => [{ text: t(`intake.urgency.${s}`), action: 'u', arg: s }]),
          nav,
        ]);
      case 'expected':
        return this.send(chatId, t('intake.askExpected'), [[{ text: t('common.skip'), action: 'sk' }], nav]);
      case 'confirm': {
        const html = t('intake.summary', {
          name: escapeHtml([a.name, a.company].filter(Boolean).join(', ')),
          contact: escapeHtml(a.phone ?? a.email ?? ''),
          product: escapeHtml(a.product ?? ''),
          order: escapeHtml(a.orderNumber ?? ''),
          urgency: t(`severity.${a.severity ?? 'normal'}`),
          // No department yet, and the intake dialogue reads the date in UTC: shown in UTC, zone named.
          expected: a.expectedBy ? formatDateTime(a.expectedBy, language, 'UTC') : t('intake.notSet'),
          attachments: String(state.attachments.length),
          description: escapeHtml(a.description ?? ''),
        });
        return this.send(chatId, html, [[{ text: t('intake.confirm'), action: 'ok' }], nav]);
      }
    }
  }

  private async submit(chatId: string, language: string, state: IntakeState): Promise<void> {
    const a = state.answers;
    if (nextStep(state, 'name') !== 'confirm') return this.ask(chatId, language, { ...state, step: nextStep(state, 'name') });
    const known = await this.o.customers.byTelegramChat(chatId);
    const customer = await this.o.customers.saveTelegramCustomer({
      id: known?.id ?? this.o.deps.newId(),
      telegramChatId: chatId,
      name: a.name!,
      company: a.company ?? null,
      phone: a.phone ?? null,
      email: a.email ?? null,
      language: toLanguage(language),
    });
    await createTicket(
      this.o.deps,
      {
        customer: { id: customer.id, name: customer.name, company: a.company, phone: a.phone, email: a.email, language: toLanguage(language) },
        product: a.product!,
        orderNumber: a.orderNumber!,
        description: a.description!,
        severity: a.severity,
        expectedBy: a.expectedBy ? new Date(a.expectedBy) : undefined,
        attachments: state.attachments,
        source: PLATFORM,
        actor: { kind: 'customer', customerId: customer.id },
      },
      // The dialog id makes a double-pressed Submit (or a redelivered update) one ticket.
      { key: `telegram-intake-${state.id}`, requestHash: state.id },
    );
    await this.save(chatId, language, null);
    // The acknowledgement with the ticket number comes through the outbox (SPEC §2).
  }

  // ——— /status ———

  private async status(chatId: string, language: string, customer: TelegramCustomer | undefined, arg: string | undefined): Promise<void> {
    const t = translator(language);
    if (arg && TICKET_NUMBER.test(arg)) {
      const number = arg.toUpperCase();
      const detail = await this.o.deps.store.get(number);
      if (!detail || !customer || detail.ticket.customerId !== customer.id) return this.send(chatId, t('statusCmd.notFound', { number: escapeHtml(number) }));
      return this.send(chatId, this.statusLine(detail, language));
    }
    const open = customer ? await this.o.customers.openTickets(customer.id) : [];
    if (open.length === 0) return this.send(chatId, t('statusCmd.none'));
    return this.send(chatId, [t('statusCmd.header'), ...open.map((s) => this.statusLine(s, language))].join('\n'));
  }

  private statusLine(s: TicketState, language: string): string {
    const t = translator(language);
    const owner = s.ticket.ownerId ? this.o.deps.directory.staff(s.ticket.ownerId)?.name : undefined;
    const next = Object.values(s.clocks)
      .filter((c) => c.status === 'running' && c.deadline && CLOCK_KIND_TO_KEY[c.kind] !== 'verificationCallback')
      .sort((x, y) => x.deadline!.getTime() - y.deadline!.getTime())[0];
    return t('statusCmd.line', {
      number: s.ticket.number,
      product: escapeHtml(s.ticket.product),
      status: t(`status.${s.ticket.status}`),
      owner: owner ? escapeHtml(owner) : t('statusCmd.nobody'),
      // Customers read the service's local time: the ticket's primary department's calendar zone.
      deadline: next?.deadline ? formatDateTime(next.deadline, language, this.o.deps.directory.timeZoneOf(s.ticket.primaryDepartmentId)) : t('statusCmd.noDeadline'),
    });
  }

  // ——— buttons ———

  async onCallback(ctx: Context): Promise<void> {
    const q = ctx.callbackQuery;
    if (!q?.message || !q.data) return;
    const chatId = String(q.message.chat.id);
    const { language, state, customer } = await this.language(chatId, ctx);
    const t = translator(language);
    const verified = this.o.signer.verify(chatId, q.data);
    if (!verified) {
      this.o.deps.log?.warn({ chatId, data: q.data }, 'refused a forged or foreign telegram callback_data');
      await ctx.answerCallbackQuery({ text: t('common.invalidButton'), show_alert: true }).catch(() => undefined);
      return;
    }
    // Only stops the button's spinner: a failure must not cost the customer their answer.
    await ctx.answerCallbackQuery().catch(() => undefined);
    const { action, arg } = verified;
    const messageId = q.message.message_id;
    const closeKeyboard = () => this.o.api.editMessageReplyMarkup({ chat_id: chatId, message_id: messageId }).catch(() => undefined);

    if (action === 'lg') {
      const lang = toLanguage(arg);
      await this.save(chatId, lang, state);
      if (customer) await this.o.customers.setLanguage(customer.id, lang);
      await closeKeyboard();
      return this.send(chatId, translator(lang)('language.set'));
    }

    if (['u', 'sk', 'bk', 'cx', 'ok'].includes(action)) {
      if (state?.mode !== 'intake') return closeKeyboard().then(() => undefined);
      await closeKeyboard();
      if (action === 'cx') {
        await this.save(chatId, language, null);
        return this.send(chatId, t('intake.cancelled'));
      }
      if (action === 'bk') return this.ask(chatId, language, stepBack(state));
      if (action === 'u' && (SEVERITIES as readonly string[]).includes(arg)) return this.ask(chatId, language, chooseIntake({ ...state, step: 'urgency' }, { severity: arg as Severity }));
      if (action === 'sk') return this.ask(chatId, language, chooseIntake({ ...state, step: 'expected' }, { skipExpected: true }));
      if (action === 'ok') return this.submit(chatId, language, state);
      return;
    }

    if (['pe', 'pd', 'py', 'pn'].includes(action)) {
      await closeKeyboard();
      return this.privacyAction(chatId, language, customer, action);
    }

    if (!customer) return;
    const [number, value] = arg.split(':') as [string, string | undefined];
    const act = async (cmd: CustomerCommand) => {
      try {
        await customerAct(this.o.deps, number, customer.id, PLATFORM, cmd);
        return true;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'illegal_transition' || code === 'forbidden' || code === 'not_found') {
          await this.send(chatId, t('result.already', { number }));
          return false;
        }
        if (code === 'survey_already_answered') {
          await this.send(chatId, t('survey.already', { number }));
          return false;
        }
        throw err;
      }
    };
    await closeKeyboard();
    switch (action) {
      case 'rc':
        if (await act({ type: 'confirm', resolved: true })) await this.send(chatId, t('result.thanks', { number }));
        return;
      case 'rn':
        if (await act({ type: 'confirm', resolved: false })) await this.send(chatId, t('result.reopened', { number }));
        return;
      case 'cs': {
        const csat = Number(value);
        if (!(csat >= 1 && csat <= 5)) return;
        if (await act({ type: 'survey', csat })) {
          await this.send(chatId, t('survey.nps'), [
            [0, 1, 2, 3, 4, 5].map((n) => ({ text: String(n), action: 'np', arg: `${number}:${n}` })),
            [6, 7, 8, 9, 10].map((n) => ({ text: String(n), action: 'np', arg: `${number}:${n}` })),
          ]);
        }
        return;
      }
      case 'np': {
        const nps = Number(value);
        if (!(nps >= 0 && nps <= 10)) return;
        if (await act({ type: 'survey', nps })) {
          await this.save(chatId, language, { mode: 'comment', ticket: number });
          await this.send(chatId, t('survey.comment'), [[{ text: t('common.skip'), action: 'sc', arg: number }]]);
        }
        return;
      }
      case 'sc':
        await this.save(chatId, language, null);
        return this.send(chatId, t('survey.thanks'));
      case 'vf':
        if (await act({ type: 'verify', stillFixed: true })) await this.send(chatId, t('verify.thanks'));
        return;
      case 'va':
        if (await act({ type: 'verify', stillFixed: false })) await this.send(chatId, t('result.reopened', { number }));
        return;
      case 'pk':
        if (state?.mode === 'pick') {
          await this.save(chatId, language, null);
          return this.relay(chatId, language, customer, number, state.text, state.attachments);
        }
        return;
      default:
        return;
    }
  }
}

/** Photos (largest size) and documents of a message. */
export function attachmentsOf(msg: Message): Attachment[] {
  const out: Attachment[] = [];
  if (msg.photo?.length) {
    const best = msg.photo[msg.photo.length - 1]!;
    out.push({ type: 'photo', fileId: best.file_id, size: best.file_size });
  }
  if (msg.document) {
    const fileName = msg.document.file_name === undefined ? undefined : cleanText(msg.document.file_name) || undefined;
    out.push({ type: 'document', fileId: msg.document.file_id, fileName, size: msg.document.file_size });
  }
  return out;
}
