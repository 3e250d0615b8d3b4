import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

// AES-256-GCM with a random 96-bit nonce. Sealed values are `v1.<nonce>.<ciphertext+tag>` in base64url, so a
// column shows at a glance that it holds ciphertext and which format.

const tagBytes = 16;

function derive(masterKey: Buffer, purpose: string, bytes: number): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, 'fidus-vault', purpose, bytes));
}

/** A fingerprint of a master key that reveals nothing of it: which key wrapped a data key. */
export function masterKeyId(masterKey: Buffer): string {
  return derive(masterKey, 'master-key-id-v1', 8).toString('hex');
}

/** The key-encryption key of a master key (the master key itself also signs access tokens, so never used raw). */
export function wrappingKey(masterKey: Buffer): Buffer {
  return derive(masterKey, 'key-wrapping-v1', 32);
}

export function seal(key: Buffer, plaintext: Buffer, associatedData: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `v1.${nonce.toString('base64url')}.${body.toString('base64url')}`;
}

/** Throws when the key, the associated data or a single bit of the value is wrong. */
export function open(key: Buffer, sealed: string, associatedData: string): Buffer {
  const [version, nonce, body] = sealed.split('.');
  if (version !== 'v1' || !nonce || !body) throw new Error('not a sealed vault value');
  const bytes = Buffer.from(body, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(bytes.subarray(bytes.length - tagBytes));
  return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - tagBytes)), decipher.final()]);
}
