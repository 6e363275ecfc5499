import { createHash } from 'node:crypto';
import { canonicalJson } from './audit.js';

/**
 * Personal data and the audit chain (SPEC §9). A ticket's events are hash-chained, so their
 * payloads cannot change once written; a customer's words and contact details must still be
 * erasable. Each personal field of an event is therefore stored apart (keyed by customer),
 * and the event keeps only a reference and a salted hash of it (a commitment): the chain
 * covers the commitment, erasure deletes the value and its salt, the chain still verifies,
 * and nobody who kept an old value can confirm it against the chain without the salt.
 */

/** What takes the place of an erased text wherever it is shown or exported. */
export const ERASED_TEXT = '[erased]';

/** The name an erased customer goes by in the API, exports and the CSV (staff views translate it). */
export const ERASED_CUSTOMER = 'erased customer';

/** A personal field as it is kept in an event payload. */
export interface PersonalRef {
  $personal: string;
  commitment: string;
}

/** A personal value kept apart from the chain; deleting it (and its salt) erases it. */
export interface PersonalValue {
  id: string;
  value: unknown;
  salt: string;
}

interface ActorLike {
  kind: string;
}

/** Fields of an event payload that hold personal data: what a customer wrote or sent. */
const PERSONAL_FIELDS: Record<string, (actor: ActorLike, data: Record<string, unknown>) => readonly string[]> = {
  'ticket.created': () => ['orderNumber'],
  'ticket.attachments_added': () => ['attachments'],
  'customer.message': () => ['text', 'attachments'],
  'ticket.confirmed': () => ['text'],
  'survey.answered': () => ['comment'],
  // A staff member's reason for reopening is theirs; a customer's is the customer's words.
  'ticket.reopened': (actor) => (actor.kind === 'customer' ? ['reason'] : []),
  // The ladder a customer's "not resolved" starts carries their words as its reason.
  'ticket.escalated': (_actor, data) => (data.trigger === CUSTOMER_WORDS_TRIGGER ? ['reason'] : []),
  'escalation.retriggered': (_actor, data) => (data.trigger === CUSTOMER_WORDS_TRIGGER ? ['reason'] : []),
};

/** The escalation trigger whose reason is what the customer wrote. */
export const CUSTOMER_WORDS_TRIGGER = 'reopened';

/** Fields whose erased value is an empty list rather than {@link ERASED_TEXT}. */
const LIST_FIELDS = new Set(['attachments']);

export function personalFields(type: string, actor: ActorLike, data: Record<string, unknown>): readonly string[] {
  return PERSONAL_FIELDS[type]?.(actor, data) ?? [];
}

/** The event types that can hold personal fields. */
export const PERSONAL_EVENT_TYPES: readonly string[] = Object.keys(PERSONAL_FIELDS);

/** The personal fields of a payload that still hold a value in the clear. */
export function fieldsToSeal(type: string, actor: ActorLike, data: Record<string, unknown>): string[] {
  return personalFields(type, actor, data).filter((f) => !empty(data[f]) && !isPersonalRef(data[f]));
}

export function commitment(salt: string, value: unknown): string {
  return createHash('sha256').update(salt).update(canonicalJson(value)).digest('hex');
}

export function isPersonalRef(v: unknown): v is PersonalRef {
  return typeof v === 'object' && v !== null && typeof (v as PersonalRef).$personal === 'string' && typeof (v as PersonalRef).commitment === 'string';
}

/** Nothing worth keeping apart: no value, an empty text or an empty list. */
function empty(v: unknown): boolean {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}

/**
 * The payload to chain, with each personal field replaced by a reference and commitment,
 * and the values to keep apart. `salt()` and `newId()` are injected so tests can pin them.
 */
export function sealPayload(
  type: string,
  actor: ActorLike,
  data: Record<string, unknown>,
  gen: { newId: () => string; salt: () => string },
): { data: Record<string, unknown>; values: PersonalValue[] } {
  const fields = fieldsToSeal(type, actor, data);
  if (fields.length === 0) return { data, values: [] };
  const sealed = { ...data };
  const values: PersonalValue[] = [];
  for (const f of fields) {
    const value = data[f];
    const id = gen.newId();
    const salt = gen.salt();
    values.push({ id, value, salt });
    sealed[f] = { $personal: id, commitment: commitment(salt, value) } satisfies PersonalRef;
  }
  return { data: sealed, values };
}

/**
 * The payload as people read it: each reference replaced by its value, or by the erased
 * placeholder when the value is gone (or does not match its commitment).
 */
export function openPayload(data: Record<string, unknown>, lookup: (id: string) => PersonalValue | undefined): Record<string, unknown> {
  let opened: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(data)) {
    if (!isPersonalRef(v)) continue;
    opened ??= { ...data };
    const kept = lookup(v.$personal);
    opened[k] = kept && commitment(kept.salt, kept.value) === v.commitment ? kept.value : erasedValue(k);
  }
  return opened ?? data;
}

/** The references a payload holds. */
export function personalRefs(data: Record<string, unknown>): PersonalRef[] {
  return Object.values(data).filter(isPersonalRef);
}

export function erasedValue(field: string): unknown {
  return LIST_FIELDS.has(field) ? [] : ERASED_TEXT;
}

/** Phone numbers compared as digits with an optional leading + ("+86 138-0013 8000" → "+8613800138000"). */
export function normalisePhone(phone: string): string {
  const t = phone.trim();
  return `${t.startsWith('+') ? '+' : ''}${t.replace(/\D/g, '')}`;
}

/** E-mail addresses compared lower-cased and trimmed. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
