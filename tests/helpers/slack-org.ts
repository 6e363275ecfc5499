import type { AftercareConfig } from '../../src/core/types.js';
import { longClocks, withChatIds } from './config.js';

/** The example organisation on Slack, shared by the Slack end-to-end tests (HTTP and Socket Mode). */
export const CHANNELS: Record<string, string> = {
  'customer-service': 'C0CS',
  'cs-supervisor': 'C0SUP',
  technical: 'C0TECH',
  logistics: 'C0LOG',
  // product has no channel: its cards go to SLACK_DEFAULT_CHANNEL.
};
export const DEFAULT_CHANNEL = 'C0DEFAULT';
export const ESCALATION_CHANNEL = 'C0ESC';
export const USERS: Record<string, string> = {
  alice: 'U0ALICE',
  bob: 'U0BOB',
  carol: 'U0CAROL',
  judy: 'U0JUDY',
  dave: 'U0DAVE',
  erin: 'U0ERIN',
  frank: 'U0FRANK',
  heidi: 'U0HEIDI',
  ivan: 'U0IVAN',
};

/** The example organisation with Slack channels and user ids; long SLA budgets, 60 s escalation steps. */
export function slackConfig(): AftercareConfig {
  return withChatIds(longClocks(60), 'slack', { channels: CHANNELS, users: USERS, escalation: ESCALATION_CHANNEL });
}
