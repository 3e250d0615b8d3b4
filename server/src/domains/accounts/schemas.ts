import { z } from 'zod';
import { roles, signupModes } from '../../core/index.ts';

/** Request and response shapes of the accounts API: the single source of its types, checks and OpenAPI. */
export const RoleSchema = z.enum(roles);
const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email('must be an email address'))
  .transform((value) => value.toLowerCase());
const Password = z.string().min(10, 'must be at least 10 characters').max(1024);
const Name = z.string().trim().min(1, 'must not be empty').max(200);
const Timestamp = z.iso.datetime({ offset: true });

export const UserSchema = z.object({ id: z.uuid(), email: z.string(), name: z.string() });
export const TenantSchema = z.object({ id: z.uuid(), name: z.string() });
export const TokenPairSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number().int().describe('Seconds until the access token expires'),
});

export const SignupStatusSchema = z.object({
  mode: z.enum(signupModes).describe('FIDUS_SIGNUP of this instance'),
  needsOwner: z.boolean().describe('No account exists yet: the first registration creates the owner'),
  open: z.boolean().describe('Registering without an invite would be accepted now'),
});
export type SignupStatus = z.infer<typeof SignupStatusSchema>;

export const RegisterBody = z.strictObject({
  email: Email,
  password: Password,
  name: Name,
  inviteToken: z.string().min(1).max(200).optional(),
});
export const SessionSchema = TokenPairSchema.extend({
  user: UserSchema,
  tenant: TenantSchema,
  role: RoleSchema,
});

export const LoginBody = z.strictObject({
  email: z
    .string()
    .trim()
    .max(254)
    .transform((value) => value.toLowerCase()),
  password: z.string().max(1024),
  tenantId: z.uuid().optional(),
});
export const RefreshBody = z.strictObject({ refreshToken: z.string().min(1).max(200) });
export const SwitchBody = z.strictObject({ tenantId: z.uuid() });

export const MeSchema = z.object({
  user: UserSchema,
  tenant: TenantSchema,
  role: RoleSchema,
  tenants: z.array(TenantSchema.extend({ role: RoleSchema })),
});

export const CreateApiKeyBody = z.strictObject({ name: Name });
export const ApiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  userId: z.uuid(),
  maskedKey: z.string(),
  createdAt: Timestamp,
  lastUsedAt: Timestamp.nullable(),
});
export const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().describe('Shown once; store it now'),
});

export const CreateInviteBody = z.strictObject({ email: Email.optional(), role: RoleSchema });
export const CreatedInviteSchema = z.object({
  id: z.uuid(),
  inviteToken: z.string(),
  email: z.string().nullable(),
  role: RoleSchema,
  expiresAt: Timestamp,
});
export const AcceptedInviteSchema = SessionSchema;

export const InvitePreviewSchema = z.object({
  tenant: z.object({ name: z.string() }),
  role: RoleSchema,
  email: z.string().nullable().describe('The only address that may use it, or null for anyone'),
  expiresAt: z.string(),
});
export type InvitePreview = z.infer<typeof InvitePreviewSchema>;

export const MemberSchema = z.object({
  userId: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: RoleSchema,
  joinedAt: Timestamp,
});
export const UpdateMemberBody = z.strictObject({ role: RoleSchema });

export const AuditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.uuid().optional().describe('Return entries older than this entry id'),
});
export const AuditEntrySchema = z.object({
  id: z.uuid(),
  actorUserId: z.uuid().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  ip: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  createdAt: Timestamp,
});

export const IdParams = z.strictObject({ id: z.uuid() });
export const TokenParams = z.strictObject({ token: z.string().min(1).max(200) });

export type User = z.infer<typeof UserSchema>;
export type Tenant = z.infer<typeof TenantSchema>;
export type Session = z.infer<typeof SessionSchema>;
export type TokenPair = z.infer<typeof TokenPairSchema>;
export type Me = z.infer<typeof MeSchema>;
export type ApiKey = z.infer<typeof ApiKeySchema>;
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;
export type CreatedInvite = z.infer<typeof CreatedInviteSchema>;
export type Member = z.infer<typeof MemberSchema>;
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
