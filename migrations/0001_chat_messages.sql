CREATE TABLE "chat_messages" (
	"platform" text NOT NULL,
	"key" text NOT NULL,
	"ticket_id" uuid,
	"channel" text NOT NULL,
	"message_id" text NOT NULL,
	"thread_id" text,
	"timeline_seq" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chat_messages_platform_key_pk" PRIMARY KEY("platform","key")
);
--> statement-breakpoint
ALTER TABLE "chat_messages" ADD CONSTRAINT "chat_messages_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chat_messages_ticket_idx" ON "chat_messages" USING btree ("ticket_id");