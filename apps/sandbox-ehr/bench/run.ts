/**
 * `npm run bench -w @bedside/sandbox-ehr`: runs each `bench/*.bench.ts` in its own process, one
 * after another, so one benchmark's heap and sockets never skew the next one's figures.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const benches = readdirSync(dir)
  .filter((name) => name.endsWith('.bench.ts'))
  .sort();

if (benches.length === 0) console.log('sandbox-ehr: no benchmarks yet');
let failed = 0;
for (const name of benches) {
  console.log(`\n--- sandbox-ehr ${name} ---`);
  const result = spawnSync('tsx', ['--conditions=@bedside/source', join(dir, name)], {
    stdio: 'inherit',
  });
  if (result.status !== 0) failed += 1;
}
process.exitCode = failed === 0 ? 0 : 1;
