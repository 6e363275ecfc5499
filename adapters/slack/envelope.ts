import { z } from 'zod';

/**
 * The outer shape of a request to /slack/events, checked before Bolt sees it: Bolt reads
 * these fields without looking (a signed `payload=null` throws inside its receiver and ends
 * the process; a view_submission without a view throws while routing). Only what Bolt needs
 * to route is checked here; each listener validates its own payload in full.
 */

const id = z.string().min(1, 'must be a non-empty string');
const entity = z.looseObject({ id });
/** `team` and `enterprise` are objects, or null for org-wide installs. */
const team = z.looseObject({ id: id.optional() }).nullish();
const user = z.looseObject({ id });

const urlVerification = z.looseObject({ type: z.literal('url_verification'), challenge: z.string() });

const eventCallback = z.looseObject({
  event: z.looseObject({
    type: z.string().min(1, 'must name the event type'),
    channel: z.union([z.string(), entity]).optional(),
    item: z.looseObject({}).optional(),
  }),
  team_id: z.string().optional(),
  authorizations: z.array(z.looseObject({})).optional(),
});

const command = z.looseObject({
  command: z.string().startsWith('/', 'must start with /'),
  user_id: id,
  team_id: z.string().optional(),
  channel_id: z.string().optional(),
});

const interactive = { user, team, enterprise: team, channel: entity.nullish() };

const options = z.looseObject({ ...interactive });

const blockActions = z.looseObject({
  ...interactive,
  type: z.string(),
  actions: z.array(z.looseObject({ action_id: z.string().optional(), type: z.string().optional() }), 'must be a list of action objects'),
});

const shortcut = z.looseObject({ ...interactive, callback_id: z.string() });

const viewAction = z.looseObject({
  ...interactive,
  view: z.looseObject({ callback_id: z.string(), app_installed_team_id: z.string().optional() }),
});

export type EnvelopeCheck =
  /** Bolt can take it. */
  | { verdict: 'pass' }
  /** Well-formed but nothing Aftercare handles: answer 200 and drop it (Slack expects a 2xx). */
  | { verdict: 'ignore'; type: string }
  | { verdict: 'reject'; fields: { path: string; message: string }[] };

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function verdictOf(schema: z.ZodType, body: unknown): EnvelopeCheck {
  const r = schema.safeParse(body);
  if (r.success) return { verdict: 'pass' };
  return {
    verdict: 'reject',
    fields: r.error.issues.map((i) => ({
      path: i.path.map(String).join('.') || '(body)',
      message: i.code === 'invalid_type' && i.input === undefined ? 'is required' : i.message,
    })),
  };
}

/**
 * Checks a parsed Slack request body the way Bolt will route it (same order as Bolt's
 * getTypeAndConversation): events, slash commands, option requests, actions, shortcuts, views.
 */
export function checkEnvelope(body: unknown): EnvelopeCheck {
  if (!isRecord(body)) return { verdict: 'reject', fields: [{ path: '(body)', message: 'must be a JSON object' }] };
  if (body.ssl_check === '1') return { verdict: 'pass' };
  if (body.type === 'url_verification') return verdictOf(urlVerification, body);
  if (body.event !== undefined) return verdictOf(eventCallback, body);
  if (body.command !== undefined) return verdictOf(command, body);
  if (body.name !== undefined || body.type === 'block_suggestion') return verdictOf(options, body);
  if (body.actions !== undefined || body.type === 'dialog_submission') return verdictOf(blockActions, body);
  if (body.type === 'shortcut' || body.type === 'message_action') return verdictOf(shortcut, body);
  if (body.type === 'view_submission' || body.type === 'view_closed') return verdictOf(viewAction, body);
  if (typeof body.type === 'string' && body.type !== '') return { verdict: 'ignore', type: body.type };
  return { verdict: 'reject', fields: [{ path: 'type', message: 'is required: a Slack event or interaction type' }] };
}
