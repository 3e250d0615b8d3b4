-- Events: a tenant's transaction emits (inserts) its own events and replays (reads) them; system events
-- (tenant_id null) match no tenant. Nothing else is the tenant role's: the dispatcher, the live tail and
-- retention run as the owner. Delivery receipts and the dispatcher's cursor carry no tenant; row-level
-- security without a policy keeps every non-owner out of them all the same.
GRANT SELECT, INSERT ON events TO fidus_tenant;
--> statement-breakpoint
ALTER TABLE events ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON events
  USING (tenant_id = fidus_current_tenant())
  WITH CHECK (tenant_id = fidus_current_tenant());
--> statement-breakpoint
ALTER TABLE event_deliveries ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE event_cursors ENABLE ROW LEVEL SECURITY;
