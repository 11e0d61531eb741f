import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const base64Key = z
  .string({ message: 'is required (32 random bytes, base64url); `npm start` generates one' })
  .refine((value) => Buffer.from(value, 'base64url').length === 32, {
    message: 'must be 32 bytes encoded as base64url (43 characters)',
  });

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    DATABASE_URL: z.string().url({ message: 'must be a postgresql:// URL' }),
    BFF_PORT: port.default(3001),
    BFF_HOST: z.string().min(1).default('localhost'),
    APP_PUBLIC_URL: z.string().url().default('http://localhost:3000'),
    TOKEN_ENCRYPTION_KEY: base64Key,
    SESSION_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(8 * 3600),
    PENDING_AUTHORIZATION_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(600),
    BFF_DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
  })
  .transform((env) => {
    const appPublicUrl = env.APP_PUBLIC_URL.replace(/\/$/, '');
    return {
      environment: env.NODE_ENV,
      databaseUrl: env.DATABASE_URL,
      port: env.BFF_PORT,
      host: env.BFF_HOST,
      /** Where browsers reach the app (the web front end proxies /launch, /callback, /api here). */
      appPublicUrl,
      /** The redirect URI registered with every EHR. */
      callbackUrl: `${appPublicUrl}/callback`,
      tokenEncryptionKey: Buffer.from(env.TOKEN_ENCRYPTION_KEY, 'base64url'),
      sessionTtlSeconds: env.SESSION_TTL_SECONDS,
      pendingAuthorizationTtlSeconds: env.PENDING_AUTHORIZATION_TTL_SECONDS,
      dbPoolSize: env.BFF_DB_POOL_SIZE,
      logLevel: env.LOG_LEVEL,
    };
  });

export type BffConfig = Readonly<z.output<typeof schema>>;

/** Injection token for the parsed configuration. */
export const BFF_CONFIG = Symbol('BFF_CONFIG');

/**
 * Parses and validates the BFF's configuration once at start-up; `process.env` is read nowhere else.
 * @throws Error naming every invalid or missing variable.
 */
export function loadBffConfig(env: Record<string, string | undefined>): BffConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `  ${issue.path.join('.') || '(config)'}: ${issue.message}`)
      .join('\n');
    throw new Error(`Invalid bff configuration:\n${problems}`);
  }
  return Object.freeze(parsed.data);
}
