import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';

import type { PrismaClient } from '@bedside/db';

export interface SigningKey {
  kid: string;
  alg: 'RS256';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * The sandbox's RS256 keys for access tokens and id_tokens (OIDC-02: RS256, `kid` in the header
 * and in the JWKS). Keys live in PostgreSQL so every replica signs and verifies with the same set;
 * a `kid` this process has not seen triggers one reload, which picks up a key another replica made.
 */
export class SigningKeyStore {
  private keys: Promise<Map<string, SigningKey>> | undefined;

  constructor(private readonly prisma: PrismaClient) {}

  /** The newest active key, created on first use when the database has none. */
  async current(): Promise<SigningKey> {
    const keys = await this.load();
    const newest = [...keys.values()].at(-1);
    if (newest) return newest;
    await this.create();
    const reloaded = [...(await this.load(true)).values()].at(-1);
    if (!reloaded) throw new Error('Could not create a signing key');
    return reloaded;
  }

  async find(kid: string): Promise<SigningKey | undefined> {
    return (await this.load()).get(kid) ?? (await this.load(true)).get(kid);
  }

  /** Public halves only, for `jwks_uri`. */
  async jwks(): Promise<{ keys: JWK[] }> {
    await this.current();
    const keys = await this.load();
    return { keys: [...keys.values()].map((key) => key.publicJwk) };
  }

  private load(refresh = false): Promise<Map<string, SigningKey>> {
    if (refresh || !this.keys) {
      this.keys = this.prisma.sandboxSigningKey
        .findMany({ where: { retiredAt: null }, orderBy: { createdAt: 'asc' } })
        .then(async (rows) => {
          const map = new Map<string, SigningKey>();
          for (const row of rows) {
            const privateKey = (await importJWK(row.privateJwk as JWK, 'RS256')) as CryptoKey;
            map.set(row.kid, {
              kid: row.kid,
              alg: 'RS256',
              privateKey,
              publicJwk: row.publicJwk as JWK,
            });
          }
          return map;
        });
      this.keys.catch(() => {
        this.keys = undefined;
      });
    }
    return this.keys;
  }

  private async create(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', {
      modulusLength: 2048,
      extractable: true,
    });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    await this.prisma.sandboxSigningKey.create({
      data: {
        kid,
        alg: 'RS256',
        publicJwk: { ...publicJwk, kid, alg: 'RS256', use: 'sig' },
        privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256' },
      },
    });
  }
}
