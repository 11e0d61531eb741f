import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);

const configSchema = z
  .object({
    DATABASE_URL: z.string().url({ message: 'must be a postgresql:// URL' }),
    SANDBOX_PORT: port.default(4000),
    SANDBOX_HOST: z.string().min(1).default('localhost'),
    SANDBOX_PUBLIC_URL: z.string().url().optional(),
    SANDBOX_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(5).max(86_400).default(3600),
    SANDBOX_CODE_TTL_SECONDS: z.coerce.number().int().min(5).max(600).default(60),
    SANDBOX_LAUNCH_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(3600),
    SANDBOX_REFRESH_TOKEN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(400 * 86_400)
      .default(90 * 86_400),
    SANDBOX_HTTPS: z.enum(['0', '1', 'true', 'false']).default('0'),
    SANDBOX_DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    SANDBOX_CDS_SERVICES_URL: z.string().url().optional(),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
  })
  .transform((env) => {
    const https = env.SANDBOX_HTTPS === '1' || env.SANDBOX_HTTPS === 'true';
    const scheme = https ? 'https' : 'http';
    const publicUrl = (
      env.SANDBOX_PUBLIC_URL ?? `${scheme}://localhost:${env.SANDBOX_PORT}`
    ).replace(/\/$/, '');
    return {
      databaseUrl: env.DATABASE_URL,
      port: env.SANDBOX_PORT,
      host: env.SANDBOX_HOST,
      publicUrl,
      /** The FHIR base URL: also the `iss` apps receive, the `aud` they must send, the OIDC issuer. */
      fhirBaseUrl: `${publicUrl}/fhir`,
      accessTokenTtlSeconds: env.SANDBOX_ACCESS_TOKEN_TTL_SECONDS,
      codeTtlSeconds: env.SANDBOX_CODE_TTL_SECONDS,
      launchTtlSeconds: env.SANDBOX_LAUNCH_TTL_SECONDS,
      refreshTokenTtlSeconds: env.SANDBOX_REFRESH_TOKEN_TTL_SECONDS,
      /** SANDBOX_HTTPS=1: serve TLS with a self-signed certificate made at start. */
      https,
      dbPoolSize: env.SANDBOX_DB_POOL_SIZE,
      /** The CDS service's discovery URL (`…/cds-services`) the CDS client calls, if any. */
      cdsServicesUrl: env.SANDBOX_CDS_SERVICES_URL,
      logLevel: env.LOG_LEVEL,
    };
  });

export type SandboxConfig = Readonly<z.output<typeof configSchema>>;

/**
 * Parses and validates the sandbox's configuration once at start-up.
 * @throws Error naming every invalid or missing variable.
 */
export function loadSandboxConfig(env: Record<string, string | undefined>): SandboxConfig {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `  ${issue.path.join('.') || '(config)'}: ${issue.message}`)
      .join('\n');
    throw new Error(`Invalid sandbox-ehr configuration:\n${problems}`);
  }
  return Object.freeze(parsed.data);
}
