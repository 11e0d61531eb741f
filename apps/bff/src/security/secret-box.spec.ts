import { randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { SecretBox, SecretBoxError } from './secret-box.js';

describe('SecretBox — AES-256-GCM at rest', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips and never stores the plaintext', () => {
    const sealed = box.seal('access-token-123', 'session:a');
    expect(Buffer.from(sealed).toString('latin1')).not.toContain('access-token-123');
    expect(box.open(sealed, 'session:a')).toBe('access-token-123');
  });

  it('uses a fresh IV each time', () => {
    expect(Buffer.from(box.seal('x', 'a')).equals(Buffer.from(box.seal('x', 'a')))).toBe(false);
  });

  it.each([
    ['another record', (sealed: Uint8Array) => box.open(sealed, 'session:b')],
    [
      'another key',
      (sealed: Uint8Array) => new SecretBox(randomBytes(32)).open(sealed, 'session:a'),
    ],
    [
      'a flipped byte',
      (sealed: Uint8Array) => {
        const copy = Uint8Array.from(sealed);
        copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 1;
        return box.open(copy, 'session:a');
      },
    ],
  ])('refuses a ciphertext opened for %s', (_label, open) => {
    const sealed = box.seal('secret', 'session:a');
    expect(() => open(sealed)).toThrow(SecretBoxError);
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow('32-byte key');
  });
});
