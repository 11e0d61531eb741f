import type { PrismaClient } from '@bedside/db';

/** Each scope the development app asks the sandbox for, with the reason an EHR reviewer sees. */
export const developmentAppScopes: readonly { scope: string; justification: string }[] = [
  {
    scope: 'launch',
    justification: 'Open on the patient and encounter the clinician has open in the EHR.',
  },
  { scope: 'openid', justification: 'Identify the signed-in user without a second login.' },
  { scope: 'fhirUser', justification: 'Record which clinician viewed or wrote data (audit).' },
  { scope: 'patient/Patient.rs', justification: 'Show the patient banner: name, birth date, sex.' },
  { scope: 'patient/Encounter.rs', justification: 'Show the current and recent encounters.' },
  {
    scope: 'patient/Observation.rs',
    justification: 'Chart vital signs and list recent labs with their reference ranges.',
  },
  { scope: 'patient/Observation.c', justification: 'Record a vital sign the clinician enters.' },
  {
    scope: 'patient/Condition.rs',
    justification: 'Show the problem list; diabetes for ASCVD risk.',
  },
  {
    scope: 'patient/MedicationRequest.rs',
    justification: 'Show active medications; statins and antihypertensives for ASCVD risk.',
  },
  { scope: 'patient/AllergyIntolerance.rs', justification: 'Show the allergy list.' },
  {
    scope: 'offline_access',
    justification: 'Stay signed in through a long procedure without a second login.',
  },
];

/**
 * Registers the app with the local sandbox EHR in the BFF's registry (idempotent): the BFF then
 * accepts launches whose `iss` is the sandbox's FHIR base.
 */
export async function registerWithSandbox(
  prisma: PrismaClient,
  options: { issuer: string; appPublicUrl: string; clientId: string },
): Promise<void> {
  const data = {
    displayName: 'Bedside sandbox EHR',
    vendor: 'generic' as const,
    clientId: options.clientId,
    clientType: 'public' as const,
    tokenEndpointAuthMethod: 'none' as const,
    redirectUris: [`${options.appPublicUrl}/callback`],
    launchUrl: `${options.appPublicUrl}/launch`,
  };
  const registration = await prisma.ehrRegistration.upsert({
    where: { issuer: options.issuer },
    create: { issuer: options.issuer, ...data },
    update: data,
  });
  await prisma.registrationScope.deleteMany({ where: { registrationId: registration.id } });
  await prisma.registrationScope.createMany({
    data: developmentAppScopes.map((entry, position) => ({
      registrationId: registration.id,
      scope: entry.scope,
      justification: entry.justification,
      position,
    })),
  });
}
