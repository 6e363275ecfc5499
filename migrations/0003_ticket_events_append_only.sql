-- Ticket events are the audit trail: append-only in the database itself, not only by habit.
-- UPDATE, DELETE and TRUNCATE of ticket_events raise. The one way around it is a controlled
-- maintenance path: a dedicated migration that sets the transaction-local setting
--   SELECT set_config('aftercare.allow_event_rewrite', 'on', true);
-- in the same transaction as its change (see README, "Audit").
CREATE FUNCTION "aftercare_ticket_events_append_only"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('aftercare.allow_event_rewrite', true), '') = 'on' THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW; -- UPDATE; ignored for the statement-level TRUNCATE trigger
  END IF;
  RAISE EXCEPTION 'ticket_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'restrict_violation',
          HINT = 'Audit events are never changed or removed. A maintenance migration may do so only after SELECT set_config(''aftercare.allow_event_rewrite'', ''on'', true) in the same transaction.';
END
$$;
--> statement-breakpoint
CREATE TRIGGER "ticket_events_no_update_delete" BEFORE UPDATE OR DELETE ON "ticket_events"
  FOR EACH ROW EXECUTE FUNCTION "aftercare_ticket_events_append_only"();
--> statement-breakpoint
CREATE TRIGGER "ticket_events_no_truncate" BEFORE TRUNCATE ON "ticket_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "aftercare_ticket_events_append_only"();
