import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackSender } from '../../src/emulators/slack.js';
import type { TestApp } from '../helpers/app.js';
import { USERS, startSlackWorkspace, type SlackWorkspace } from '../helpers/slack-org.js';

/**
 * Correctly signed requests whose body Bolt cannot route: each gets 400 (malformed) or 200
 * (well-formed, of a type Aftercare does not handle); the app keeps answering.
 */

const SECRET = 'slack-signing-secret-for-envelope-tests';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'content-type': 'application/json' };

let app: TestApp;
let send: SlackSender;
let workspace: SlackWorkspace | undefined;

beforeAll(async () => {
  workspace = await startSlackWorkspace({ secret: SECRET });
  ({ app, send } = workspace);
});
afterAll(async () => {
  await workspace?.stop();
});

const form = (payload: unknown) => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
const user = { id: USERS.dave, team_id: 'T0TEAM' };

/** The app still serves Slack and the API after a bad request. */
async function stillAnswers(): Promise<void> {
  const challenge = await send.raw(JSON.stringify({ type: 'url_verification', challenge: 'still-here' }), JSON_TYPE);
  expect(challenge.body).toEqual({ challenge: 'still-here' });
  expect((await app.api('/healthz')).status).toBe(200);
}

describe('Slack requests Bolt cannot route', () => {
  const malformed: [string, string, Record<string, string>, string][] = [
    ['payload=null (form)', 'payload=null', FORM, '(body)'],
    ['null (JSON)', 'null', JSON_TYPE, '(body)'],
    ['a JSON array', '[1,2]', JSON_TYPE, '(body)'],
    ['a JSON string', '"hello"', JSON_TYPE, '(body)'],
    ['view_submission without a view', form({ type: 'view_submission', user }), FORM, 'view'],
    ['view_closed whose view is null', form({ type: 'view_closed', user, view: null }), FORM, 'view'],
    ['block_actions whose actions are not objects', form({ type: 'block_actions', user, actions: [1] }), FORM, 'actions.0'],
    ['block_actions whose actions are a string', form({ type: 'block_actions', user, actions: 'x' }), FORM, 'actions'],
    ['block_actions without a user', form({ type: 'block_actions', actions: [{ action_id: 'ac:claim' }] }), FORM, 'user'],
    ['an event that is not an object', JSON.stringify({ type: 'event_callback', event: 'x' }), JSON_TYPE, 'event'],
    ['an event whose item is a string', JSON.stringify({ type: 'event_callback', event: { type: 'reaction_added', item: 'x' } }), JSON_TYPE, 'event.item'],
    ['a body without a type', JSON.stringify({ hello: 'world' }), JSON_TYPE, 'type'],
    ['not JSON at all', '{nope', JSON_TYPE, '(body)'],
  ];
  it.each(malformed)('%s → 400 naming the field, and the app keeps answering', async (_name, body, headers, path) => {
    const res = await send.raw(body, headers);
    expect(res.status).toBe(400);
    const err = (res.body as { error: { code: string; fields: { path: string }[] } }).error;
    expect(err.code).toBe('validation_failed');
    expect(err.fields.map((f) => f.path)).toContain(path);
    await stillAnswers();
  });

  it('a well-formed request of a type Aftercare does not handle → 200, ignored', async () => {
    const res = await send.raw(JSON.stringify({ type: 'app_rate_limited', team_id: 'T0TEAM', minute_rate_limited: 1 }), JSON_TYPE);
    expect(res.status).toBe(200);
    const other = await send.raw(form({ type: 'something_new', user }), FORM);
    expect(other.status).toBe(200);
    await stillAnswers();
  });

  it('still rejects an unsigned or badly signed request with 401', async () => {
    expect((await send.raw('payload=null', FORM, { badSignature: true })).status).toBe(401);
    expect((await send.raw('null', JSON_TYPE, { badSignature: true })).status).toBe(401);
    await stillAnswers();
  });

  it('still answers ssl_check and real interactions', async () => {
    const ssl = await send.raw('ssl_check=1&token=x', FORM);
    expect(ssl.status).toBe(200);
    const click = await send.blockAction({ userId: USERS.dave!, actionId: 'ac:claim', value: 'AC-999999', channel: 'C0TECH', messageTs: '1.1' });
    expect(click.status).toBe(200);
    await stillAnswers();
  });
});
