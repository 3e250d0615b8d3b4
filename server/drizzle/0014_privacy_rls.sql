-- Privacy: the tenant's policies and its threads' sealed placeholder mappings, read and written in its transactions.
GRANT SELECT, INSERT, UPDATE, DELETE ON privacy_policies TO fidus_tenant;
--> statement-breakpoint
ALTER TABLE privacy_policies ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON privacy_policies
  USING (tenant_id = fidus_current_tenant())
  WITH CHECK (tenant_id = fidus_current_tenant());
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON privacy_thread_pseudonyms TO fidus_tenant;
--> statement-breakpoint
ALTER TABLE privacy_thread_pseudonyms ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON privacy_thread_pseudonyms
  USING (tenant_id = fidus_current_tenant())
  WITH CHECK (tenant_id = fidus_current_tenant());
