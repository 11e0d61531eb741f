/**
 * A loopback FHIR server for the prefetch-less bench: answers the searches and reads of the bench
 * patient from memory, checking the bearer token, in its own process so that it does not share
 * the load generator's event loop. (The sandbox EHR's FHIR API serves reads only, no searches.)
 */
import { createServer } from 'node:http';

import { fhirAnswers } from './records.js';

const token = process.env['BENCH_FHIR_TOKEN'] ?? '';
const server = createServer((request, response) => {
  if (request.headers.authorization !== `Bearer ${token}`) {
    response
      .writeHead(401, { 'content-type': 'application/fhir+json' })
      .end('{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"login"}]}');
    return;
  }
  const path = (request.url ?? '').replace(/^\/fhir\//, '');
  const body = fhirAnswers[path] ?? fhirAnswers[path.split('?')[0] ?? ''];
  if (body === undefined) {
    response
      .writeHead(404, { 'content-type': 'application/fhir+json' })
      .end('{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]}');
    return;
  }
  response.writeHead(200, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(body));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`FHIR_READY ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
