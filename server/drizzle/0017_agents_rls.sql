-- Agents: definitions and their versions are the tenant's, read and written in its transactions. Who in the
-- tenant may change an agent (its creator, admins) is the agents module's rule, on top of this isolation.
GRANT SELECT, INSERT, UPDATE, DELETE ON agents TO fidus_tenant;
--> statement-breakpoint
ALTER TABLE agents ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON agents
  USING (tenant_id = fidus_current_tenant())
  WITH CHECK (tenant_id = fidus_current_tenant());
--> statement-breakpoint
-- Versions are written once and never changed: the tenant role may add and read them, not rewrite history.
-- (They go only with their agent or tenant, by cascade, as the owner.)
GRANT SELECT, INSERT ON agent_versions TO fidus_tenant;
--> statement-breakpoint
ALTER TABLE agent_versions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON agent_versions
  USING (tenant_id = fidus_current_tenant())
  WITH CHECK (tenant_id = fidus_current_tenant());
