import { createHmac, timingSafeEqual } from 'node:crypto';

/** Telegram's limit for callback_data. */
export const CALLBACK_DATA_MAX_BYTES = 64;
const SIG_CHARS = 12;

/**
 * Button payloads signed for one chat: `<action>|<arg>|<sig>` where sig is a truncated
 * HMAC-SHA256 over chat, action and arg. A button copied to another chat, or edited by a
 * client, fails verification. Always ≤ 64 bytes.
 */
export class CallbackSigner {
  constructor(private readonly key: string) {}

  private sig(chatId: string, action: string, arg: string): string {
    return createHmac('sha256', this.key).update(`${chatId}|${action}|${arg}`).digest('base64url').slice(0, SIG_CHARS);
  }

  sign(chatId: string, action: string, arg = ''): string {
    if (action.includes('|') || arg.includes('|')) throw new Error('callback action/arg must not contain "|"');
    const data = `${action}|${arg}|${this.sig(chatId, action, arg)}`;
    if (Buffer.byteLength(data) > CALLBACK_DATA_MAX_BYTES) throw new Error(`callback_data over ${CALLBACK_DATA_MAX_BYTES} bytes: ${data}`);
    return data;
  }

  /** The action and argument, or undefined when the data was not signed by us for this chat. */
  verify(chatId: string, data: string): { action: string; arg: string } | undefined {
    const parts = data.split('|');
    if (parts.length !== 3) return undefined;
    const [action, arg, sig] = parts as [string, string, string];
    const expected = Buffer.from(this.sig(chatId, action, arg));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return { action, arg };
  }
}
