-- Report roll-ups stay true: every change to ticket_facts that alters what a day before today
-- (UTC) adds to a report appends that day to report_dirty, so the day's roll-up is rebuilt
-- before it is read again (src/db/report-rollups.ts). A ticket's moments all lie between its
-- created_at and its last change, so rows created in the last day are skipped without running
-- anything.
-- aftercare_report_moments lists, per moment of a ticket, its UTC day and what the reports
-- read with it (keep in step with the families in report-rollups.ts).
CREATE FUNCTION "aftercare_report_moments"(f "ticket_facts") RETURNS TABLE ("day" date, "sig" text)
LANGUAGE sql STABLE AS $$
  SELECT (m.t AT TIME ZONE 'UTC')::date, m.sig
  FROM (VALUES
    (f.created_at, concat_ws('|', 'created', f.department_id, f.complaint)),
    (f.last_resolved_at, concat_ws('|', 'resolved', f.department_id, f.resolution_last_s, f.resolution_last_bs)),
    (f.closed_at, concat_ws('|', 'closed', f.department_id)),
    (f.first_reopened_at, concat_ws('|', 'reopened', f.department_id)),
    (f.first_resolved_at, concat_ws('|', 'first_resolved', f.department_id, f.resolution_first_s, f.resolution_first_bs, f.fcr, f.reopen_count > 0, f.survey_sent, f.csat, f.nps, f.verification)),
    (f.first_response_at, concat_ws('|', 'first_response', f.department_id, f.first_response_s, f.first_response_bs)),
    (f.first_claimed_at, concat_ws('|', 'first_claim', f.department_id, f.time_to_claim_s, f.time_to_claim_bs)),
    (f.first_contact_at, concat_ws('|', 'first_contact', f.department_id, f.time_to_contact_s, f.time_to_contact_bs)),
    (f.sla_first_response_at, concat_ws('|', 'sla_first_response', f.department_id, f.sla_first_response)),
    (f.sla_contact_customer_at, concat_ws('|', 'sla_contact_customer', f.department_id, f.sla_contact_customer)),
    (f.sla_diagnosis_plan_at, concat_ws('|', 'sla_diagnosis_plan', f.department_id, f.sla_diagnosis_plan)),
    (f.sla_resolution_at, concat_ws('|', 'sla_resolution', f.department_id, f.sla_resolution)),
    (f.sla_critical_start_at, concat_ws('|', 'sla_critical_start', f.department_id, f.sla_critical_start)),
    (f.sla_result_notice_at, concat_ws('|', 'sla_result_notice', f.department_id, f.sla_result_notice))
  ) AS m(t, sig)
  WHERE m.t IS NOT NULL
  UNION ALL
  SELECT (e.at AT TIME ZONE 'UTC')::date, concat_ws('|', 'escalation', f.department_id, e.trigger, e."ackS")
  FROM jsonb_to_recordset(f.escalations) AS e(trigger text, at timestamptz, "ackS" int)
  WHERE e.at IS NOT NULL
$$;
--> statement-breakpoint
-- Days before today (UTC, at the writing transaction's start); the reports cache only days
-- before yesterday, so a transaction that spans midnight still marks every cached day.
CREATE FUNCTION "aftercare_report_today"() RETURNS date
LANGUAGE sql STABLE AS $$ SELECT (now() AT TIME ZONE 'UTC')::date $$;
--> statement-breakpoint
CREATE FUNCTION "aftercare_report_mark_inserted"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO report_dirty (day)
  SELECT DISTINCT m.day
  FROM new_rows r, LATERAL aftercare_report_moments(r) m
  WHERE r.created_at < aftercare_report_today() AND m.day < aftercare_report_today();
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION "aftercare_report_mark_changed"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO report_dirty (day)
    SELECT DISTINCT m.day FROM aftercare_report_moments(OLD) m WHERE m.day < aftercare_report_today();
    RETURN NULL;
  END IF;
  INSERT INTO report_dirty (day)
  SELECT DISTINCT x.day FROM (
    (SELECT * FROM aftercare_report_moments(OLD) EXCEPT ALL SELECT * FROM aftercare_report_moments(NEW))
    UNION ALL
    (SELECT * FROM aftercare_report_moments(NEW) EXCEPT ALL SELECT * FROM aftercare_report_moments(OLD))
  ) x
  WHERE x.day < aftercare_report_today();
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION "aftercare_report_forget"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE report_days, report_dirty, report_day_counts, report_day_runs;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "ticket_facts_report_inserted" AFTER INSERT ON "ticket_facts"
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "aftercare_report_mark_inserted"();
--> statement-breakpoint
CREATE TRIGGER "ticket_facts_report_updated" AFTER UPDATE ON "ticket_facts"
  FOR EACH ROW WHEN (OLD.created_at < now() - interval '1 day' OR NEW.created_at < now() - interval '1 day')
  EXECUTE FUNCTION "aftercare_report_mark_changed"();
--> statement-breakpoint
CREATE TRIGGER "ticket_facts_report_deleted" AFTER DELETE ON "ticket_facts"
  FOR EACH ROW WHEN (OLD.created_at < now() - interval '1 day')
  EXECUTE FUNCTION "aftercare_report_mark_changed"();
--> statement-breakpoint
CREATE TRIGGER "ticket_facts_report_truncated" AFTER TRUNCATE ON "ticket_facts"
  FOR EACH STATEMENT EXECUTE FUNCTION "aftercare_report_forget"();
