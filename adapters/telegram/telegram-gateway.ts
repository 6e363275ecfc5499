import type { TFunction } from 'i18next';
import { TelegramApiError, type Api, type InlineKeyboardMarkup } from 'node-telegram-bot-api';
import type { ChatGateway, DeliveryResult, OutboundMessage, RateLane } from '../../src/app/chat-gateway.js';
import type { CustomerStore } from '../../src/app/ports.js';
import { platformLanes } from '../../src/app/rate-lanes.js';
import { bilingual, num, str } from '../../src/core/payload.js';
import { isCustomerMessageKind, type CustomerMessageKind, type StoredCustomerPayload } from '../../src/core/ticket-events.js';
import { formatDateTime, formatSpan, localized, translator } from '../../src/i18n/index.js';
import { describeTelegramError } from './bot-api-fetch.js';
import type { CallbackSigner } from './callback-data.js';
import { escapeHtml, splitHtml } from './html.js';

export interface RenderedMessage {
  html: string;
  buttons?: { text: string; action: string; arg: string }[][];
}

type CustomerRenderer<K extends CustomerMessageKind> = (p: StoredCustomerPayload<K>, h: { t: TFunction; language: string; number: string }) => RenderedMessage;

const etaLine = (p: { eta?: unknown; timeZone?: unknown }, t: TFunction, language: string) =>
  p.eta ? `\n${t('staff.eta', { eta: formatDateTime(str(p.eta), language, str(p.timeZone) || 'UTC') })}` : '';

/** How each customer message reads in Telegram (SPEC §2, §6, §7), escaped for parse_mode HTML. */
const CUSTOMER_MESSAGES: { [K in CustomerMessageKind]: CustomerRenderer<K> } = {
  'customer.acknowledgement': (p, { t, language, number }) => ({
    html: t('intake.created', { number, promise: formatSpan(num(p.promisedMs) ?? 7_200_000, language, 'long') }),
  }),
  'customer.reply': (p, { t, number }) => ({ html: t('staff.reply', { staff: escapeHtml(str(p.staffName)), number, text: escapeHtml(str(p.text)) }) }),
  'customer.progress': (p, { t, language, number }) => {
    const preset = bilingual(p.presetLabel);
    const label = preset ? localized(preset, language) : '';
    const text = [label, str(p.text)].filter(Boolean).map(escapeHtml).join(' — ');
    return { html: t('staff.progress', { number, text }) + etaLine(p, t, language) };
  },
  'customer.overdue': (p, { t, language, number }) => ({ html: t('staff.overdue', { number, text: escapeHtml(str(p.reason)) }) + etaLine(p, t, language) }),
  'customer.result_notice': (p, { t, number }) => ({
    html: t('result.notice', { number, measures: escapeHtml(str(p.measures)), advice: escapeHtml(str(p.advice)) }),
    buttons: [[
      { text: t('result.confirm'), action: 'rc', arg: number },
      { text: t('result.notResolved'), action: 'rn', arg: number },
    ]],
  }),
  'customer.survey': (_p, { t, number }) => ({
    html: t('survey.csat', { number }),
    buttons: [[1, 2, 3, 4, 5].map((n) => ({ text: String(n), action: 'cs', arg: `${number}:${n}` }))],
  }),
  'customer.waiting_reminder': (_p, { t, number }) => ({ html: t('lifecycle.waitingReminder', { number }) }),
  'customer.closed_no_answer': (_p, { t, number }) => ({ html: t('lifecycle.closedNoAnswer', { number }) }),
  'customer.verification_callback': (_p, { t, number }) => ({
    html: t('verify.ask', { number }),
    buttons: [[
      { text: t('verify.stillFixed'), action: 'vf', arg: number },
      { text: t('verify.problemAgain'), action: 'va', arg: number },
    ]],
  }),
};

function renderKnown<K extends CustomerMessageKind>(kind: K, p: Record<string, unknown>, language: string): RenderedMessage {
  const render: CustomerRenderer<K> = CUSTOMER_MESSAGES[kind];
  return render(p, { t: translator(language), language, number: str(p.number) });
}

/**
 * Renders an outbox message for a customer (SPEC §2, §6, §7), escaped for parse_mode HTML.
 * Returns undefined for kinds a customer does not receive.
 */
export function renderForCustomer(kind: string, p: Record<string, unknown>, language: string): RenderedMessage | undefined {
  return isCustomerMessageKind(kind) ? renderKnown(kind, p, language) : undefined;
}

export function keyboard(signer: CallbackSigner, chatId: string, rows: RenderedMessage['buttons']): InlineKeyboardMarkup | undefined {
  if (!rows?.length) return undefined;
  return { inline_keyboard: rows.map((row) => row.map((b) => ({ text: b.text, callback_data: signer.sign(chatId, b.action, b.arg) }))) };
}

/** Maps a Bot API failure to what the outbox should do with the message. */
export function classifyTelegramError(err: unknown): DeliveryResult {
  if (err instanceof TelegramApiError) {
    const error = `telegram ${err.errorCode}: ${err.description}`;
    if (err.errorCode === 429) return { status: 'retry', error, afterMs: (err.retryAfter ?? 1) * 1000 };
    if (err.errorCode >= 500) return { status: 'retry', error };
    return { status: 'failed', error };
  }
  // Network failures and answers that are not the Bot API's (status and body in the text).
  const described = describeTelegramError(err).err;
  return { status: 'retry', error: typeof described === 'string' ? described : described.message };
}

/**
 * Delivers customer messages to their private chat with the bot. Sends one message at a
 * time (no SDK retries: the outbox owns retries, honouring 429 retry_after), splitting
 * texts over 4096 characters; buttons go on the last part.
 */
export class TelegramGateway implements ChatGateway {
  constructor(
    private readonly api: Api,
    private readonly botId: string,
    private readonly customers: CustomerStore,
    private readonly signer: CallbackSigner,
  ) {}

  private async chatOf(destination: string): Promise<string | undefined> {
    if (!destination.startsWith('customer:')) return undefined;
    return this.customers.telegramChatOf(destination.slice('customer:'.length));
  }

  async lanes(destination: string): Promise<RateLane[] | undefined> {
    const chat = await this.chatOf(destination);
    return chat ? platformLanes.telegram(this.botId, chat) : undefined;
  }

  async deliver(m: OutboundMessage): Promise<DeliveryResult> {
    const chat = await this.chatOf(m.destination);
    if (!chat) return { status: 'skipped', reason: 'customer has no Telegram chat' };
    const language = str(m.payload.language) || 'en';
    const rendered = renderForCustomer(m.kind, m.payload, language);
    if (!rendered) return { status: 'skipped', reason: `customers do not receive ${m.kind}` };
    const parts = splitHtml(rendered.html);
    const ids: string[] = [];
    try {
      for (const [i, text] of parts.entries()) {
        const markup = i === parts.length - 1 ? keyboard(this.signer, chat, rendered.buttons) : undefined;
        const sent = await this.api.sendMessage({
          chat_id: chat,
          text,
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
          ...(markup && { reply_markup: markup }),
        });
        ids.push(String(sent.message_id));
      }
    } catch (err) {
      return classifyTelegramError(err);
    }
    return { status: 'delivered', messageIds: { telegram: `${chat}/${ids.join(',')}` } };
  }
}
