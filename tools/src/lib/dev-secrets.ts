import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Development secrets, generated once per checkout under the data folder (never committed).
 * Production deployments set TOKEN_ENCRYPTION_KEY themselves; the BFF refuses to start without it.
 */
export async function loadDevelopmentSecrets(
  dataDir: string,
): Promise<{ tokenEncryptionKey: string; created: boolean }> {
  const file = join(dataDir, 'dev-secrets.json');
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as { tokenEncryptionKey?: string };
    if (stored.tokenEncryptionKey)
      return { tokenEncryptionKey: stored.tokenEncryptionKey, created: false };
  } catch {
    // first run
  }
  const tokenEncryptionKey = randomBytes(32).toString('base64url');
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${JSON.stringify({ tokenEncryptionKey }, null, 2)}\n`, { mode: 0o600 });
  return { tokenEncryptionKey, created: true };
}
