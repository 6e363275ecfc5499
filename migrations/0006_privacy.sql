CREATE TABLE "personal_data" (
	"id" uuid PRIMARY KEY NOT NULL,
	"customer_id" uuid NOT NULL,
	"value" jsonb NOT NULL,
	"salt" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "personal_data" ADD CONSTRAINT "personal_data_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "personal_data_customer_idx" ON "personal_data" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "customers_phone_key_idx" ON "customers" USING btree ((case when left(btrim("phone"), 1) = '+' then '+' else '' end || regexp_replace("phone", '[^0-9]', '', 'g')));--> statement-breakpoint
CREATE INDEX "customers_email_key_idx" ON "customers" USING btree (lower(btrim("email")));