import type { PrismaClient } from '@bedside/db';
import type { StoredTokens, TokenSet, TokenStore } from '@bedside/smart-auth';

import type { SecretBox } from '../security/secret-box.js';

/** The additional authenticated data that binds a sealed token set to its session row. */
export function tokenSetAad(idHash: string): string {
  return `session:${idHash}`;
}

/**
 * A session's token set in PostgreSQL, sealed with AES-256-GCM. Writes are compare-and-swap on
 * `tokenVersion`, so when two replicas refresh at once the rotated refresh token of the winner is
 * kept and the loser adopts it (smart-auth's TokenLifecycle does the adopting).
 */
export class SessionTokenStore implements TokenStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly box: SecretBox,
    private readonly idHash: string,
  ) {}

  async load(): Promise<StoredTokens | undefined> {
    const row = await this.prisma.session.findUnique({
      where: { idHash: this.idHash },
      select: { tokenSetCiphertext: true, tokenVersion: true },
    });
    if (!row) return undefined;
    const tokens = JSON.parse(
      this.box.open(row.tokenSetCiphertext, tokenSetAad(this.idHash)),
    ) as TokenSet;
    return { tokens, version: row.tokenVersion };
  }

  async compareAndSwap(
    expectedVersion: number | undefined,
    tokens: TokenSet,
  ): Promise<StoredTokens | undefined> {
    if (expectedVersion === undefined) return undefined;
    const updated = await this.prisma.session.updateMany({
      where: { idHash: this.idHash, tokenVersion: expectedVersion },
      data: {
        tokenSetCiphertext: this.box.seal(JSON.stringify(tokens), tokenSetAad(this.idHash)),
        tokenVersion: expectedVersion + 1,
        accessTokenExpiresAt: new Date(tokens.expiresAt ?? Date.now()),
        // REFRESH-03: a refresh may narrow the grant; the proxy decides on what is granted now.
        ...(tokens.scope ? { grantedScope: tokens.scope } : {}),
      },
    });
    return updated.count === 1 ? { tokens, version: expectedVersion + 1 } : undefined;
  }
}
