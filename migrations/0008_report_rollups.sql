CREATE TABLE "report_day_counts" (
	"day" date NOT NULL,
	"department_id" text NOT NULL,
	"metric" text NOT NULL,
	"n" bigint NOT NULL,
	CONSTRAINT "report_day_counts_department_id_day_metric_pk" PRIMARY KEY("department_id","day","metric")
);
--> statement-breakpoint
CREATE TABLE "report_day_runs" (
	"day" date NOT NULL,
	"department_id" text NOT NULL,
	"col" text NOT NULL,
	"n" integer NOT NULL,
	"total" bigint NOT NULL,
	"sorted" integer[] NOT NULL,
	"cum" integer[] NOT NULL,
	CONSTRAINT "report_day_runs_col_department_id_day_pk" PRIMARY KEY("col","department_id","day")
);
--> statement-breakpoint
CREATE TABLE "report_days" (
	"day" date PRIMARY KEY NOT NULL,
	"built_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "report_dirty" (
	"day" date NOT NULL
);
--> statement-breakpoint
DROP INDEX "ticket_facts_created_idx";--> statement-breakpoint
CREATE INDEX "report_dirty_day_idx" ON "report_dirty" USING btree ("day");--> statement-breakpoint
CREATE INDEX "ticket_facts_closed_idx" ON "ticket_facts" USING btree ("closed_at","department_id") WHERE closed_at is not null;--> statement-breakpoint
CREATE INDEX "ticket_facts_reopened_idx" ON "ticket_facts" USING btree ("first_reopened_at","department_id") WHERE first_reopened_at is not null;--> statement-breakpoint
CREATE INDEX "ticket_facts_sla_first_response_idx" ON "ticket_facts" USING btree ("sla_first_response_at","department_id","sla_first_response") WHERE sla_first_response_at is not null;--> statement-breakpoint
CREATE INDEX "ticket_facts_sla_contact_customer_idx" ON "ticket_facts" USING btree ("sla_contact_customer_at","department_id","sla_contact_customer") WHERE sla_contact_customer_at is not null;--> statement-breakpoint
CREATE INDEX "ticket_facts_sla_diagnosis_plan_idx" ON "ticket_facts" USING btree ("sla_diagnosis_plan_at","department_id","sla_diagnosis_plan") WHERE sla_diagnosis_plan_at is not null;--> statement-breakpoint
CREATE INDEX "ticket_facts_sla_resolution_idx" ON "ticket_facts" USING btree ("sla_resolution_at","department_id","sla_resolution") WHERE sla_resolution_at is not null;--> statement-breakpoint
CREATE INDEX "ticket_facts_sla_critical_start_idx" ON "ticket_facts" USING btree ("sla_critical_start_at","department_id","sla_critical_start") WHERE sla_critical_start_at is not null;--> statement-breakpoint
CREATE INDEX "ticket_facts_sla_result_notice_idx" ON "ticket_facts" USING btree ("sla_result_notice_at","department_id","sla_result_notice") WHERE sla_result_notice_at is not null;--> statement-breakpoint
CREATE INDEX "ticket_facts_escalated_span_idx" ON "ticket_facts" USING btree ("updated_at","created_at","department_id","ticket_id") WHERE escalation_count > 0;--> statement-breakpoint
CREATE INDEX "ticket_facts_created_idx" ON "ticket_facts" USING btree ("created_at","department_id","complaint");