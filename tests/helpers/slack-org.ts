import type { AftercareConfig } from '../../src/core/types.js';
import { FakeSlack, SlackSender } from '../../src/emulators/slack.js';
import { FakeWebhookPlatform } from '../fakes/fake-webhook-platform.js';
import { startTestApp, type TestApp } from './app.js';
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

/** The app on Slack over HTTP: a fake Slack, the app pointed at it, and a signed sender of events. */
export interface SlackWorkspace {
  slack: FakeSlack;
  /** Records what reaches customers (the webhook gateway), when asked for. */
  hook: FakeWebhookPlatform | undefined;
  app: TestApp;
  send: SlackSender;
  stop(): Promise<void>;
}

/** Starts a fake Slack and the app configured for it (HTTP mode, signed requests, 1 s outbox sweep). */
export async function startSlackWorkspace(opts: { secret: string; config?: AftercareConfig; webhook?: boolean; defaultChannel?: string }): Promise<SlackWorkspace> {
  const slack = await new FakeSlack().start();
  const hook = opts.webhook ? await new FakeWebhookPlatform().start() : undefined;
  const app = await startTestApp({
    config: opts.config ?? slackConfig(),
    env: {
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: opts.secret,
      SLACK_API_URL: slack.apiUrl,
      SLACK_DEFAULT_CHANNEL: opts.defaultChannel ?? DEFAULT_CHANNEL,
      AFTERCARE_OUTBOX_SWEEP_INTERVAL: '1s',
      ...(hook && { AFTERCARE_WEBHOOK_URL: hook.url }),
    },
  });
  const send = new SlackSender(`${app.url}/slack/events`, opts.secret, { responseUrl: () => slack.responseUrl() });
  return {
    slack,
    hook,
    app,
    send,
    async stop() {
      await app.stop();
      await slack.stop();
      await hook?.stop();
    },
  };
}
