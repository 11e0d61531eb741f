import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const flag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    DATABASE_URL: z.string().url({ message: 'must be a postgresql:// URL' }),
    CDS_PORT: port.default(3002),
    CDS_HOST: z.string().min(1).default('localhost'),
    /** Public base URL: the JWT `aud` of every call is computed from it, never from `Host` (JWT-5). */
    CDS_PUBLIC_URL: z.string().url().optional(),
    /** The SMART app the link cards open (its launch URL; the EHR adds `iss` and `launch`). */
    CDS_APP_LAUNCH_URL: z.string().url().default('http://localhost:3000/launch'),
    /** Budget of one hook call, FHIR reads included (cds-hooks.md §16: default 1.5 s). */
    CDS_HOOK_DEADLINE_MS: z.coerce.number().int().min(50).max(30_000).default(1500),
    /** Comma-separated browser origins allowed by CORS; `*` allows any (development only). */
    CDS_CORS_ORIGINS: z.string().optional(),
    /** Accept `http:` fhirServer URLs (CDS Hooks 2.0: https for production data). */
    CDS_ALLOW_HTTP_FHIR_SERVER: flag.optional(),
    CDS_DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production') {
      if (env.CDS_PUBLIC_URL === undefined || !env.CDS_PUBLIC_URL.startsWith('https://')) {
        ctx.addIssue({
          code: 'custom',
          path: ['CDS_PUBLIC_URL'],
          message: 'must be set to an https URL in production (GEN-1: JSON over TLS)',
        });
      }
      if (env.CDS_CORS_ORIGINS === undefined || env.CDS_CORS_ORIGINS.split(',').includes('*')) {
        ctx.addIssue({
          code: 'custom',
          path: ['CDS_CORS_ORIGINS'],
          message: 'must list the allowed origins in production (no *)',
        });
      }
      if (env.CDS_ALLOW_HTTP_FHIR_SERVER === true) {
        ctx.addIssue({
          code: 'custom',
          path: ['CDS_ALLOW_HTTP_FHIR_SERVER'],
          message: 'must not be true in production',
        });
      }
    }
  })
  .transform((env) => {
    const development = env.NODE_ENV !== 'production';
    const publicUrl = (env.CDS_PUBLIC_URL ?? `http://localhost:${env.CDS_PORT}`).replace(/\/$/, '');
    const corsOrigins = (env.CDS_CORS_ORIGINS ?? (development ? '*' : ''))
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== '');
    return {
      environment: env.NODE_ENV,
      databaseUrl: env.DATABASE_URL,
      port: env.CDS_PORT,
      host: env.CDS_HOST,
      publicUrl,
      /** `{publicUrl}/cds-services`: the discovery endpoint and the base of every service URL. */
      servicesUrl: `${publicUrl}/cds-services`,
      appLaunchUrl: env.CDS_APP_LAUNCH_URL,
      hookDeadlineMs: env.CDS_HOOK_DEADLINE_MS,
      corsOrigins,
      allowHttpFhirServer: env.CDS_ALLOW_HTTP_FHIR_SERVER ?? development,
      dbPoolSize: env.CDS_DB_POOL_SIZE,
      logLevel: env.LOG_LEVEL,
    };
  });

export type CdsConfig = Readonly<z.output<typeof schema>>;

/** Injection token for the parsed configuration. */
export const CDS_CONFIG = Symbol('CDS_CONFIG');

/**
 * Parses and validates the CDS service's configuration once at start-up; `process.env` is read
 * nowhere else.
 * @throws Error naming every invalid or missing variable.
 */
export function loadCdsConfig(env: Record<string, string | undefined>): CdsConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `  ${issue.path.join('.') || '(config)'}: ${issue.message}`)
      .join('\n');
    throw new Error(`Invalid cds configuration:\n${problems}`);
  }
  return Object.freeze(parsed.data);
}
