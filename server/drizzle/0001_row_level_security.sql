-- Tenant isolation that fails closed. The application runs tenant work as the non-owner role fidus_tenant with
-- app.tenant_id set for the transaction; these policies then hide every other tenant's rows even from a query
-- that forgets its filter. Roles are cluster-wide, so creation is idempotent and tolerates a concurrent twin.
DO $$
BEGIN
  BEGIN
    CREATE ROLE fidus_tenant NOLOGIN;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
  IF NOT pg_has_role(current_user, 'fidus_tenant', 'MEMBER') THEN
    EXECUTE format('GRANT fidus_tenant TO %I', current_user);
  END IF;
END
$$;
--> statement-breakpoint
-- The tenant of the current transaction, or NULL (which matches nothing) when none is set.
CREATE FUNCTION fidus_current_tenant() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO fidus_tenant;
--> statement-breakpoint
GRANT SELECT, UPDATE ON tenants TO fidus_tenant;
--> statement-breakpoint
GRANT SELECT ON users TO fidus_tenant;
--> statement-breakpoint
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON tenants USING (id = fidus_current_tenant());
--> statement-breakpoint
-- Users are global; a tenant sees those who are its members.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_members ON users
  USING (EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id AND m.tenant_id = fidus_current_tenant()));
--> statement-breakpoint
-- Every table with a tenant_id: readable and writable for its own tenant only.
DO $$
DECLARE
  tenant_table text;
BEGIN
  FOREACH tenant_table IN ARRAY ARRAY['memberships', 'api_keys', 'refresh_tokens', 'invites', 'audit_log'] LOOP
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO fidus_tenant', tenant_table);
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tenant_table);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I USING (tenant_id = fidus_current_tenant()) '
      'WITH CHECK (tenant_id = fidus_current_tenant())',
      tenant_table
    );
  END LOOP;
END
$$;
