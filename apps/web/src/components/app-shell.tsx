'use client';

import { useSearchParams } from 'next/navigation';

import { EhrChooser } from './ehr-chooser';
import { Workspace } from './workspace';

/** With a launch handle (`?session=`), the patient workspace; without, the EHR chooser. */
export function AppShell() {
  const handle = useSearchParams().get('session');
  return handle ? <Workspace key={handle} handle={handle} /> : <EhrChooser />;
}
