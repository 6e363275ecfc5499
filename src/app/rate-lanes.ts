import type { RateLane } from './chat-gateway.js';

/**
 * The platforms' published send limits as rate lanes (PLATFORMS.md), for the chat
 * adapters' gateways. Limits are per bot token, so the token's id is part of the key.
 */
export const platformLanes = {
  /** Telegram: about 1 message per second per chat, 30 per second per bot. */
  telegram: (bot: string, chatId: string): RateLane[] => [
    { key: `tg:${bot}:chat:${chatId}`, max: 1, perMs: 1000 },
    { key: `tg:${bot}:global`, max: 30, perMs: 1000 },
  ],
  /** Slack: about 1 chat.postMessage per second per channel (short bursts tolerated). */
  slack: (team: string, channel: string): RateLane[] => [{ key: `slack:${team}:chan:${channel}`, max: 1, perMs: 1000 }],
  /** Slack chat.update: Tier 3, about 50 per minute per workspace (not the channel's post lane). */
  slackEdit: (team: string): RateLane[] => [{ key: `slack:${team}:update`, max: 50, perMs: 60_000 }],
  /** Discord: 5 messages per 5 s per channel route, 50 requests per second per bot. */
  discord: (app: string, channel: string): RateLane[] => [
    { key: `discord:${app}:chan:${channel}`, max: 5, perMs: 5000 },
    { key: `discord:${app}:global`, max: 50, perMs: 1000 },
  ],
};
