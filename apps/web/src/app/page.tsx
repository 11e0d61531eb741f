import { Suspense } from 'react';

import { AppShell } from '../components/app-shell';

export default function HomePage() {
  return (
    <main>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <AppShell />
      </Suspense>
    </main>
  );
}
