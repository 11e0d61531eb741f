import type { PrismaClient } from '@bedside/db';

import { seedSandboxUsers } from '../auth/seed-auth.js';
import { ResourceStore } from '../fhir/resource-store.js';
import { demoEncounters, demoPatients, demoPractitioner } from './demo-records.js';

export interface SandboxAppRegistration {
  clientId: string;
  name: string;
  /** The app's public base URL; its launch URL is `<base>/launch`, redirect `<base>/callback`. */
  appBaseUrl: string;
  allowedScope: string;
}

/** Scopes the development app may be granted by the sandbox. */
export const defaultAppAllowedScope = [
  'launch',
  'launch/patient',
  'launch/encounter',
  'openid',
  'fhirUser',
  'profile',
  'offline_access',
  'online_access',
  'patient/*.rs',
  'patient/*.read',
  'user/*.rs',
  'user/*.read',
  'patient/Patient.rs',
  'patient/Patient.read',
  'patient/Encounter.rs',
  'patient/Observation.rs',
  'patient/Observation.c',
  'patient/Condition.rs',
  'patient/MedicationRequest.rs',
  'patient/AllergyIntolerance.rs',
].join(' ');

/**
 * Puts the sandbox's fixed data in place: the demo practitioner and users, demo patients with an
 * encounter each, and the app's client registration. Idempotent: safe on every start.
 */
export async function seedSandbox(
  prisma: PrismaClient,
  app: SandboxAppRegistration,
): Promise<{ patients: number }> {
  const store = new ResourceStore(prisma);
  await store.upsert(demoPractitioner);
  for (const patient of demoPatients) await store.upsert(patient);
  for (const encounter of demoEncounters) await store.upsert(encounter);

  await prisma.sandboxUser.upsert({
    where: { id: 'ann-lee' },
    create: {
      id: 'ann-lee',
      username: 'ann.lee',
      displayName: 'Dr. Ann Lee',
      fhirUser: `Practitioner/${demoPractitioner.id}`,
    },
    update: {},
  });

  await seedSandboxUsers(prisma);

  const base = app.appBaseUrl.replace(/\/$/, '');
  const registration = {
    name: app.name,
    clientType: 'public',
    redirectUris: [`${base}/callback`],
    launchUrl: `${base}/launch`,
    allowedScope: app.allowedScope,
  };
  await prisma.sandboxClient.upsert({
    where: { clientId: app.clientId },
    create: { clientId: app.clientId, ...registration },
    update: registration,
  });
  return { patients: demoPatients.length };
}
