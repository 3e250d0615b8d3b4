export { ConfigError, loadConfig, logLevels, signupModes } from './config.ts';
export type { Config, TrustProxy } from './config.ts';
export { FileConfigSchema, PriceSchema, ProviderConfigSchema, providerTypes } from './file-config.ts';
export type {
  FileConfig,
  AgentSettings,
  ChatSettings,
  GatewaySettings,
  LimitsConfig,
  ModelAliasConfig,
  PriceConfig,
  ProviderConfig,
} from './file-config.ts';
export { FidusError, notFound } from './errors.ts';
export type { ErrorCode, FieldIssue } from './errors.ts';
export { isUuid, newId } from './ids.ts';
export { createLogger } from './logger.ts';
export type { Logger } from './logger.ts';
export {
  beginFileRotation,
  finishFileRotation,
  resolveMasterKey,
  resolveMasterKeyring,
} from './master-key.ts';
export type { MasterKeyring } from './master-key.ts';
export { hasRole, roles } from './principal.ts';
export type { Principal, Role } from './principal.ts';
export type { RouteAccess } from './http-context.ts';
export { connectRedis } from './redis.ts';
export { sseHeaders } from './sse.ts';
