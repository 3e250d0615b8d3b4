CREATE TABLE "llm_requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"user_id" uuid,
	"api_key_id" uuid,
	"request_id" text NOT NULL,
	"alias" text,
	"provider" text,
	"provider_type" text,
	"model" text,
	"stream" boolean DEFAULT false NOT NULL,
	"status" text NOT NULL,
	"http_status" integer NOT NULL,
	"error_code" text,
	"input_tokens" integer DEFAULT 0 NOT NULL,
	"output_tokens" integer DEFAULT 0 NOT NULL,
	"cached_input_tokens" integer DEFAULT 0 NOT NULL,
	"reasoning_tokens" integer DEFAULT 0 NOT NULL,
	"cost_usd" numeric(20, 10),
	"cache_hit" boolean DEFAULT false NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"fallbacks" integer DEFAULT 0 NOT NULL,
	"ttft_ms" integer,
	"latency_ms" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "llm_requests_status_check" CHECK (status in ('ok', 'error', 'cancelled'))
);
--> statement-breakpoint
ALTER TABLE "llm_requests" ADD CONSTRAINT "llm_requests_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "llm_requests_tenant_created_idx" ON "llm_requests" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "llm_requests_api_key_created_idx" ON "llm_requests" USING btree ("api_key_id","created_at");