import { z } from 'zod';

/**
 * The errors the public reference launcher (smart-launcher-v2) simulates, by its own names
 * (smart-conformance.md §18 "Simulated errors").
 */
export const SIMULATED_ERRORS = [
  'auth_invalid_client_id',
  'auth_invalid_redirect_uri',
  'auth_invalid_scope',
  'auth_invalid_client_secret',
  'token_invalid_token',
  'token_expired_refresh_token',
  'token_expired_registration_token',
  'token_invalid_scope',
  'token_invalid_jti',
  'request_invalid_token',
  'request_expired_token',
] as const;
export type SimulatedError = (typeof SIMULATED_ERRORS)[number];

/** Fault injection for one client (development API) or one launch (launcher UI). */
export const faultsSchema = z
  .object({
    /** The token endpoint answers this status with `server_error`/`temporarily_unavailable`. */
    tokenEndpointStatus: z.union([z.literal(500), z.literal(503)]).optional(),
    /** The token endpoint never answers: it holds the request this long, then drops the connection. */
    tokenEndpointTimeoutMs: z.number().int().min(1).max(600_000).optional(),
    /** Added latency before the token endpoint answers. */
    latencyMs: z.number().int().min(0).max(60_000).optional(),
    /** Access-token lifetime override (e.g. 10 s to exercise refresh). */
    accessTokenTtlSeconds: z.number().int().min(1).max(86_400).optional(),
    /** Every refresh_token grant is refused with invalid_grant. */
    refreshRefused: z.boolean().optional(),
    simulatedError: z.enum(SIMULATED_ERRORS).optional(),
  })
  .strict();

export type Faults = z.output<typeof faultsSchema>;

/** Faults stored in the database (JSON); anything malformed counts as no fault. */
export function readFaults(value: unknown): Faults {
  const parsed = faultsSchema.safeParse(value ?? {});
  return parsed.success ? parsed.data : {};
}

/** Launch faults override the client's, field by field. */
export function mergeFaults(client: unknown, launch: unknown): Faults {
  return { ...readFaults(client), ...readFaults(launch) };
}

/** The launcher's "Simulate" choices: each one a fault set for the launch. */
export const LAUNCHER_FAULTS: Readonly<Record<string, { label: string; faults: Faults }>> = {
  token_500: { label: 'Token endpoint answers 500', faults: { tokenEndpointStatus: 500 } },
  token_503: { label: 'Token endpoint answers 503', faults: { tokenEndpointStatus: 503 } },
  token_timeout: {
    label: 'Token endpoint times out (30 s, then drops the connection)',
    faults: { tokenEndpointTimeoutMs: 30_000 },
  },
  latency_2s: { label: 'Token endpoint 2 s slower', faults: { latencyMs: 2000 } },
  short_ttl: { label: 'Access tokens live 10 s', faults: { accessTokenTtlSeconds: 10 } },
  refresh_refused: { label: 'Refresh refused', faults: { refreshRefused: true } },
  ...Object.fromEntries(
    SIMULATED_ERRORS.map((error) => [
      error,
      { label: `Reference launcher: ${error}`, faults: { simulatedError: error } },
    ]),
  ),
};
