-- Agent runs and their steps are the tenant's. Steps are updated while they run (a tool call is recorded before
-- it executes and completed after), so the tenant role may update them; deleting goes with the run, by cascade.
GRANT SELECT, INSERT, UPDATE, DELETE ON agent_runs TO fidus_tenant;
--> statement-breakpoint
ALTER TABLE agent_runs ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON agent_runs
  USING (tenant_id = fidus_current_tenant())
  WITH CHECK (tenant_id = fidus_current_tenant());
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON agent_run_steps TO fidus_tenant;
--> statement-breakpoint
ALTER TABLE agent_run_steps ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON agent_run_steps
  USING (tenant_id = fidus_current_tenant())
  WITH CHECK (tenant_id = fidus_current_tenant());
--> statement-breakpoint
-- MCP servers a tenant admin attached (Streamable HTTP); who may change them is the agents module's rule.
GRANT SELECT, INSERT, UPDATE, DELETE ON mcp_servers TO fidus_tenant;
--> statement-breakpoint
ALTER TABLE mcp_servers ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON mcp_servers
  USING (tenant_id = fidus_current_tenant())
  WITH CHECK (tenant_id = fidus_current_tenant());
