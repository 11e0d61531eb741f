import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const formatVersion = 1;
const ivLength = 12;
const tagLength = 16;

/** Thrown when a ciphertext was altered, belongs to another record, or used another key. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/**
 * AES-256-GCM for secrets at rest (token sets, PKCE verifiers, client secrets). Each ciphertext is
 * bound to its record through the additional authenticated data, so a value copied into another
 * row fails to decrypt. Layout: version (1) | iv (12) | tag (16) | ciphertext.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('SecretBox needs a 32-byte key (AES-256).');
  }

  seal(plaintext: string, associatedData: string): Uint8Array<ArrayBuffer> {
    const iv = randomBytes(ivLength);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: tagLength });
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const out = new Uint8Array(1 + ivLength + tagLength + body.length);
    out[0] = formatVersion;
    out.set(iv, 1);
    out.set(cipher.getAuthTag(), 1 + ivLength);
    out.set(body, 1 + ivLength + tagLength);
    return out;
  }

  /** @throws SecretBoxError when the ciphertext does not authenticate. */
  open(sealed: Uint8Array, associatedData: string): string {
    const bytes = Buffer.from(sealed);
    if (bytes.length < 1 + ivLength + tagLength || bytes[0] !== formatVersion) {
      throw new SecretBoxError('Unknown ciphertext format.');
    }
    const iv = bytes.subarray(1, 1 + ivLength);
    const tag = bytes.subarray(1 + ivLength, 1 + ivLength + tagLength);
    const body = bytes.subarray(1 + ivLength + tagLength);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: tagLength });
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError(
        'Ciphertext failed authentication (wrong key, record or tampering).',
      );
    }
  }
}
