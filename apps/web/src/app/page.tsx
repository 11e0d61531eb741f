import { Suspense } from 'react';

import { PatientSummary } from '../components/patient-summary';

export default function HomePage() {
  return (
    <main>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <PatientSummary />
      </Suspense>
    </main>
  );
}
