export { catalogChannel, TenantCatalogs } from './catalogs.ts';
export { tenantProviderRoutes } from './routes.ts';
export { TenantProviderStore } from './store.ts';
