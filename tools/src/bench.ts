/**
 * `npm run bench`: runs every project's benchmark (each prints its own figures, with its
 * baseline measured in the same run). Benchmarks never run as part of `npm test`.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { run } from './lib/processes.js';

const root = resolve(import.meta.dirname, '../..');
const only = process.argv.slice(2);

const projects = ['libs', 'apps']
  .flatMap((folder) => readdirSync(join(root, folder)).map((name) => join(root, folder, name)))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({
    dir,
    pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      scripts?: Record<string, string>;
    },
  }))
  .filter(({ pkg }) => pkg.scripts?.['bench'])
  .filter(({ pkg }) => only.length === 0 || only.some((name) => pkg.name.endsWith(name)));

for (const { pkg } of projects) {
  console.log(`\n=== ${pkg.name} ===`);
  await run('npm', ['run', '--silent', '-w', pkg.name, 'bench'], { cwd: root });
}
