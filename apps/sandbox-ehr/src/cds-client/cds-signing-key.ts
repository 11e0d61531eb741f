import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';

import type { PrismaClient } from '@bedside/db';

export interface CdsSigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * The sandbox's CDS Client key: RS384 (CDS Hooks 2.0: "SHOULD use ES384 or RS384"), separate
 * from its OAuth keys, kept in PostgreSQL so every replica signs with the key its `jku` serves.
 */
export class CdsSigningKeyStore {
  private key: Promise<CdsSigningKey> | undefined;

  constructor(private readonly prisma: PrismaClient) {}

  current(): Promise<CdsSigningKey> {
    this.key ??= this.loadOrCreate();
    this.key.catch(() => {
      this.key = undefined;
    });
    return this.key;
  }

  /** Public keys for the `jku` URL. */
  async jwks(): Promise<{ keys: JWK[] }> {
    await this.current();
    const rows = await this.prisma.sandboxCdsSigningKey.findMany({ where: { retiredAt: null } });
    return { keys: rows.map((row) => row.publicJwk as JWK) };
  }

  private async loadOrCreate(): Promise<CdsSigningKey> {
    let row = await this.prisma.sandboxCdsSigningKey.findFirst({
      where: { retiredAt: null },
      orderBy: { createdAt: 'desc' },
    });
    if (!row) {
      const { privateKey, publicKey } = await generateKeyPair('RS384', {
        modulusLength: 2048,
        extractable: true,
      });
      const publicJwk = await exportJWK(publicKey);
      const kid = await calculateJwkThumbprint(publicJwk);
      await this.prisma.sandboxCdsSigningKey.createMany({
        data: [
          {
            kid,
            alg: 'RS384',
            publicJwk: { ...publicJwk, kid, alg: 'RS384', use: 'sig' },
            privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS384' },
          },
        ],
        skipDuplicates: true,
      });
      row = await this.prisma.sandboxCdsSigningKey.findFirst({
        where: { retiredAt: null },
        orderBy: { createdAt: 'desc' },
      });
      if (!row) throw new Error('Could not create the CDS signing key');
    }
    return {
      kid: row.kid,
      privateKey: (await importJWK(row.privateJwk as JWK, 'RS384')) as CryptoKey,
      publicJwk: row.publicJwk as JWK,
    };
  }
}
