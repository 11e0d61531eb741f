import { displayName, type Patient } from '@bedside/fhir-model';

import { ageInYears, formatDate } from '../lib/summary';

/** SMART `need_patient_banner`: shown only when the EHR does not show its own banner. */
export function PatientBanner({ patient, ehrName }: { patient: Patient; ehrName: string }) {
  const age = ageInYears(patient.birthDate, new Date());
  const mrn = patient.identifier?.find((identifier) =>
    identifier.type?.coding?.some((coding) => coding.code === 'MR'),
  )?.value;
  return (
    <header className="patient-banner" aria-label="Patient banner">
      <strong>{displayName(patient.name) || 'Unnamed patient'}</strong>
      <span>{patient.gender ?? 'gender not recorded'}</span>
      <span>
        DOB {patient.birthDate ? formatDate(patient.birthDate) : 'not recorded'}
        {age !== undefined ? ` (${age} y)` : ''}
      </span>
      {mrn ? <span>MRN {mrn}</span> : null}
      <span className="muted">{ehrName}</span>
    </header>
  );
}
