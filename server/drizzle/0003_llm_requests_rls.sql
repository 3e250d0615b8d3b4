-- llm_requests is tenant-owned: a tenant transaction (role fidus_tenant) sees and adds only its own rows. It may
-- not change or delete them: the request log is append-only for tenants. The batch writer inserts as the owner,
-- because one insert holds rows of many tenants; every row names its tenant.
GRANT SELECT, INSERT ON llm_requests TO fidus_tenant;
--> statement-breakpoint
ALTER TABLE llm_requests ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON llm_requests
  USING (tenant_id = fidus_current_tenant())
  WITH CHECK (tenant_id = fidus_current_tenant());
