-- A tenant's providers, aliases and vault key: visible and writable for its own tenant only. A tenant may create
-- its vault key but not change it: re-wrapping under a new master key (`fidus vault rotate`) runs as the owner.
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_providers, tenant_model_aliases TO fidus_tenant;
--> statement-breakpoint
GRANT SELECT, INSERT ON vault_keys TO fidus_tenant;
--> statement-breakpoint
ALTER TABLE tenant_providers ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON tenant_providers
  USING (tenant_id = fidus_current_tenant())
  WITH CHECK (tenant_id = fidus_current_tenant());
--> statement-breakpoint
ALTER TABLE tenant_model_aliases ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON tenant_model_aliases
  USING (tenant_id = fidus_current_tenant())
  WITH CHECK (tenant_id = fidus_current_tenant());
--> statement-breakpoint
ALTER TABLE vault_keys ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON vault_keys
  USING (tenant_id = fidus_current_tenant())
  WITH CHECK (tenant_id = fidus_current_tenant());
