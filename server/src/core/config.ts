import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { FileConfigSchema, type FileConfig } from './file-config.ts';

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(emptyToUndefined, schema.optional());

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const signupModes = ['first-user', 'open', 'invite'] as const;

/** Environment settings: each is a single value. Defaults make `npm start` work with none set. */
const EnvSchema = z.object({
  PORT: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: 'must be an integer between 0 and 65535' })
      .int('must be an integer between 0 and 65535')
      .min(0, 'must be an integer between 0 and 65535')
      .max(65535, 'must be an integer between 0 and 65535')
      .default(3000),
  ),
  HOST: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')),
  FIDUS_DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./.fidus')),
  DATABASE_URL: optional(
    z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL'),
  ),
  REDIS_URL: optional(z.string().regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')),
  FIDUS_MASTER_KEY: optional(
    z
      .string()
      .refine(
        (value) => decodeKey(value)?.length === 32,
        'must be 32 bytes encoded as base64 (44 characters) or hex (64 characters)',
      ),
  ),
  /** Master keys being rotated away from, comma-separated: they still unwrap, nothing new is wrapped with them. */
  FIDUS_MASTER_KEY_PREVIOUS: optional(
    z
      .string()
      .refine(
        (value) => value.split(',').every((key) => decodeKey(key)?.length === 32),
        'must be comma-separated keys of 32 bytes as base64 or hex',
      ),
  ),
  FIDUS_SIGNUP: z.preprocess(
    emptyToUndefined,
    z.enum(signupModes, { error: `must be one of ${signupModes.join(', ')}` }).default('first-user'),
  ),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(logLevels, { error: `must be one of ${logLevels.join(', ')}` }).default('info'),
  ),
  FIDUS_CONFIG: optional(z.string()),
  FIDUS_WORKER_CONCURRENCY: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: 'must be an integer from 1 to 1000' })
      .int('must be an integer from 1 to 1000')
      .min(1, 'must be an integer from 1 to 1000')
      .max(1000, 'must be an integer from 1 to 1000')
      .default(10),
  ),
  FIDUS_SHUTDOWN_GRACE_MS: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: 'must be an integer from 0 to 3600000' })
      .int('must be an integer from 0 to 3600000')
      .min(0, 'must be an integer from 0 to 3600000')
      .max(3_600_000, 'must be an integer from 0 to 3600000')
      .default(30_000),
  ),
  FIDUS_JOB_STALLED_CHECK_MS: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: 'must be an integer from 100 to 600000' })
      .int('must be an integer from 100 to 600000')
      .min(100, 'must be an integer from 100 to 600000')
      .max(600_000, 'must be an integer from 100 to 600000')
      .default(30_000),
  ),
  FIDUS_QUEUE_PREFIX: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "_" or "-"')
      .default('fidus'),
  ),
  FIDUS_TRUST_PROXY: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine(
        (value) =>
          value === 'true' ||
          value === 'false' ||
          value.split(',').every((entry) => isAddressOrCidr(entry.trim())),
        'must be true, false, or comma-separated proxy addresses or CIDRs',
      )
      .default('false'),
  ),
});

function isAddressOrCidr(entry: string): boolean {
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/** Fastify's `trustProxy`: whose X-Forwarded-For to believe for the client address (throttling, audit). */
export type TrustProxy = boolean | string[];

function parseTrustProxy(value: string): TrustProxy {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value.split(',').map((entry) => entry.trim());
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  masterKey: Buffer | undefined;
  /** FIDUS_MASTER_KEY_PREVIOUS: keys a rotation moves away from. */
  previousMasterKeys: Buffer[];
  signup: (typeof signupModes)[number];
  logLevel: (typeof logLevels)[number];
  mode: 'embedded' | 'server';
  trustProxy: TrustProxy;
  /** Jobs a worker process runs at once. */
  workerConcurrency: number;
  /** On SIGTERM, how long running jobs may take to finish before they are aborted and queued again. */
  shutdownGraceMs: number;
  /**
   * FIDUS_JOB_STALLED_CHECK_MS (distributed backend): how often workers look for jobs whose worker died (their
   * lease ran out). Default 30 s.
   */
  jobStalledCheckMs: number;
  /** FIDUS_QUEUE_PREFIX (distributed backend): the job queue's key prefix in Redis; instances sharing a Redis differ. */
  queuePrefix: string;
  file: FileConfig;
  configPath: string | undefined;
}

/** A configuration mistake: the CLI prints the message as one line and exits with code 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function decodeKey(value: string): Buffer | undefined {
  const trimmed = value.trim();
  if (/^[0-9a-f]{64}$/i.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) return Buffer.from(trimmed, 'base64');
  return undefined;
}

const describe = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value));
const secretSettings = new Set(['FIDUS_MASTER_KEY', 'FIDUS_MASTER_KEY_PREVIOUS']);

/** What an error line may repeat of a rejected value: never a key, never a password inside a URL. */
function describeSetting(name: string, value: string | undefined): string {
  if (value === undefined) return 'nothing';
  if (secretSettings.has(name)) return `a value of ${value.length} characters`;
  return describe(value.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@'));
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    throw new ConfigError(`${name} ${issue.message} (got ${describeSetting(name, env[name])})`);
  }
  const values = parsed.data;
  const mode = values.DATABASE_URL ? 'server' : 'embedded';
  if (mode === 'server' && !values.FIDUS_MASTER_KEY) {
    throw new ConfigError(
      'FIDUS_MASTER_KEY is required when DATABASE_URL is set (32 bytes as base64 or hex; generate one with `openssl rand -base64 32`)',
    );
  }
  const { file, configPath } = loadConfigFile(values.FIDUS_CONFIG, cwd);
  return {
    port: values.PORT,
    host: values.HOST,
    dataDir: path.resolve(cwd, values.FIDUS_DATA_DIR),
    databaseUrl: values.DATABASE_URL,
    redisUrl: values.REDIS_URL,
    masterKey: values.FIDUS_MASTER_KEY ? decodeKey(values.FIDUS_MASTER_KEY) : undefined,
    previousMasterKeys: (values.FIDUS_MASTER_KEY_PREVIOUS ?? '')
      .split(',')
      .filter((key) => key.trim())
      .map((key) => decodeKey(key)!),
    signup: values.FIDUS_SIGNUP,
    logLevel: values.LOG_LEVEL,
    mode,
    trustProxy: parseTrustProxy(values.FIDUS_TRUST_PROXY),
    workerConcurrency: values.FIDUS_WORKER_CONCURRENCY,
    shutdownGraceMs: values.FIDUS_SHUTDOWN_GRACE_MS,
    jobStalledCheckMs: values.FIDUS_JOB_STALLED_CHECK_MS,
    queuePrefix: values.FIDUS_QUEUE_PREFIX,
    file,
    configPath,
  };
}

function loadConfigFile(
  explicitPath: string | undefined,
  cwd: string,
): { file: FileConfig; configPath: string | undefined } {
  const configPath = path.resolve(cwd, explicitPath ?? 'fidus.config.json');
  if (!existsSync(configPath)) {
    if (explicitPath)
      throw new ConfigError(`FIDUS_CONFIG must name an existing file (got ${describe(explicitPath)})`);
    return { file: FileConfigSchema.parse({}), configPath: undefined };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (error) {
    throw new ConfigError(`FIDUS_CONFIG file ${configPath} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = FileConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = [...issue.path, ...('keys' in issue ? [issue.keys.join(', ')] : [])].join('.') || '(root)';
    throw new ConfigError(`${configPath}: ${where}: ${issue.message}`);
  }
  return { file: parsed.data, configPath };
}
