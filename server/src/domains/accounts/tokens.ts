import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { FidusError, roles, type Role } from '../../core/index.ts';

export const accessTokenSeconds = 15 * 60;
export const refreshTokenDays = 30;
export const inviteDays = 7;

/** Opaque secrets: a recognisable prefix and 32 random bytes. Only their SHA-256 is stored. */
export const newSecret = (prefix: 'fid_' | 'fidr_' | 'fidi_'): string =>
  prefix + randomBytes(32).toString('base64url');
export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export interface AccessClaims {
  userId: string;
  tenantId: string;
  role: Role;
}

/** Signs and verifies access tokens with a key derived from the vault master key. */
export class AccessTokens {
  readonly #key: Uint8Array;

  constructor(masterKey: Buffer) {
    this.#key = new Uint8Array(hkdfSync('sha256', masterKey, 'fidus', 'access-token-v1', 32));
  }

  sign(claims: AccessClaims): Promise<string> {
    return new SignJWT({ tid: claims.tenantId, role: claims.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuedAt()
      .setExpirationTime(`${accessTokenSeconds}s`)
      .sign(this.#key);
  }

  async verify(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.#key, { algorithms: ['HS256'] });
      const role = payload['role'];
      if (
        typeof payload.sub !== 'string' ||
        typeof payload['tid'] !== 'string' ||
        !roles.includes(role as Role)
      ) {
        throw new FidusError('unauthorized', 'The access token is malformed');
      }
      return { userId: payload.sub, tenantId: payload['tid'], role: role as Role };
    } catch (error) {
      if (FidusError.isInstance(error)) throw error;
      if (error instanceof joseErrors.JWTExpired)
        throw new FidusError('unauthorized', 'The access token has expired');
      throw new FidusError('unauthorized', 'The access token is invalid');
    }
  }
}
