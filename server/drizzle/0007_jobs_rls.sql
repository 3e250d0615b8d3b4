-- Jobs are written by the queue as the owner (a claim or a completion batch spans tenants). A transactional job of
-- a tenant runs in that tenant's transaction and marks itself completed there, so the tenant role may read and
-- update its own jobs. Schedules are the queue's alone; row-level security keeps tenants out of them too.
GRANT SELECT, UPDATE ON jobs TO fidus_tenant;
--> statement-breakpoint
ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON jobs
  USING (tenant_id = fidus_current_tenant())
  WITH CHECK (tenant_id = fidus_current_tenant());
--> statement-breakpoint
ALTER TABLE job_schedules ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON job_schedules
  USING (tenant_id = fidus_current_tenant())
  WITH CHECK (tenant_id = fidus_current_tenant());
