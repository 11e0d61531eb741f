import type { Bundle, Resource } from '@bedside/fhir-model';

import { SigningKeyStore } from '../src/auth/signing-keys.js';
import { TokenService } from '../src/auth/tokens.js';
import type { SandboxHarness } from './harness.js';

/** Mints an access token for the sandbox with exactly these scopes (and patient context). */
export async function mintToken(
  sandbox: SandboxHarness,
  scope: string,
  patient?: string,
): Promise<string> {
  const tokens = new TokenService(
    sandbox.config,
    new SigningKeyStore(sandbox.prisma),
    () => sandbox.clock.now,
  );
  const { accessToken } = await tokens.issueAccessToken({
    client_id: 'test-client',
    scope,
    ...(patient ? { patient } : {}),
  });
  return accessToken;
}

export interface FhirResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** A tiny FHIR client for tests: JSON in and out, bearer token, extra headers. */
export function fhirClient(sandbox: SandboxHarness, token: string | undefined) {
  const call = async <T = Resource>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<FhirResponse<T>> => {
    const url = path.startsWith('http') ? path : `${sandbox.fhirBaseUrl}/${path}`;
    const response = await fetch(url, {
      method,
      headers: {
        accept: 'application/fhir+json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined && typeof body !== 'string'
          ? { 'content-type': 'application/fhir+json' }
          : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as T,
    };
  };
  return {
    call,
    get: <T = Resource>(path: string, headers?: Record<string, string>) =>
      call<T>('GET', path, undefined, headers),
    search: (path: string, headers?: Record<string, string>) =>
      call<Bundle>('GET', path, undefined, headers),
  };
}

/** Ids of the `match` entries of a searchset. */
export function matchIds(bundle: Bundle): string[] {
  return (bundle.entry ?? [])
    .filter((entry) => entry.search?.mode === 'match')
    .map((entry) => entry.resource?.id as string);
}
