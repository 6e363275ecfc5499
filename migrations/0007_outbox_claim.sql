-- The outbox claim (db/outbox-store.ts, PgOutboxStore.claimHead) in one round trip: lock the
-- destination, pick its head row, collapse older pending refreshes of the same ticket and
-- message into the newest one, lease the row. Each statement of a plpgsql function takes a
-- fresh snapshot, so the head is read once the lock is held; the transaction-level lock is
-- released when the calling statement's transaction ends. Which kinds are refreshes is
-- passed in (p_refresh_kinds), so that rule stays in the application.
-- Returns no row when nothing is open, a row with only wait_until set when the head is leased
-- by a live worker or not due yet, otherwise the leased row.
CREATE FUNCTION "aftercare_outbox_claim"(p_destination text, p_owner text, p_lease_secs double precision, p_refresh_kinds text[])
RETURNS TABLE (id bigint, ticket_id uuid, destination text, kind text, payload jsonb, attempts integer, wait_until timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  head record;
  target bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('outbox:' || p_destination, 0));
  SELECT o.id, o.ticket_id, o.kind, o.payload,
    CASE WHEN o.status = 'sending' AND o.lease_until > now() THEN o.lease_until
         WHEN o.status = 'pending' AND o.next_attempt_at > now() THEN o.next_attempt_at END AS wait_until,
    CASE WHEN o.status = 'pending' AND o.kind = ANY (p_refresh_kinds) THEN (
      SELECT max(o2.id) FROM outbox o2
      WHERE o2.destination = o.destination AND o2.status = 'pending' AND o2.kind = o.kind
        AND o2.ticket_id IS NOT DISTINCT FROM o.ticket_id
        AND coalesce(o2.payload->>'taskId', '') = coalesce(o.payload->>'taskId', '')) END AS latest
  INTO head
  FROM outbox o WHERE o.destination = p_destination AND o.status IN ('pending', 'sending')
  ORDER BY (o.status = 'sending') DESC, (o.kind = ANY (p_refresh_kinds)), o.id LIMIT 1;
  IF NOT FOUND THEN RETURN; END IF;
  IF head.wait_until IS NOT NULL THEN
    RETURN QUERY SELECT NULL::bigint, NULL::uuid, NULL::text, NULL::text, NULL::jsonb, NULL::integer, head.wait_until;
    RETURN;
  END IF;
  target := head.id;
  IF head.latest IS NOT NULL AND head.latest > head.id THEN
    UPDATE outbox o SET status = 'skipped', last_error = 'coalesced into row ' || head.latest
    WHERE o.destination = p_destination AND o.status = 'pending' AND o.kind = head.kind
      AND o.ticket_id IS NOT DISTINCT FROM head.ticket_id
      AND coalesce(o.payload->>'taskId', '') = coalesce(head.payload->>'taskId', '') AND o.id < head.latest;
    target := head.latest;
  END IF;
  RETURN QUERY
    UPDATE outbox o SET status = 'sending', lease_owner = p_owner, attempts = o.attempts + 1,
      lease_until = now() + make_interval(secs => p_lease_secs)
    WHERE o.id = target
    RETURNING o.id, o.ticket_id, o.destination, o.kind, o.payload, o.attempts, NULL::timestamptz;
END
$$;
