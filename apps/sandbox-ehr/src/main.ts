import { createPrismaClient } from '@bedside/db';

import { buildSandboxApp } from './app.js';
import { loadSandboxConfig } from './config.js';
import { createSelfSignedCertificate } from './http/self-signed.js';

const config = loadSandboxConfig(process.env);
const prisma = createPrismaClient(config.databaseUrl, { maxConnections: config.dbPoolSize });
const https = config.https
  ? createSelfSignedCertificate([new URL(config.publicUrl).hostname, 'localhost', '127.0.0.1'])
  : undefined;
const app = await buildSandboxApp({ config, prisma, ...(https ? { https } : {}) });
if (https) {
  app.log.warn(
    { sha256: https.fingerprint256 },
    'HTTPS mode: self-signed certificate made at start; trust it explicitly',
  );
}

const shutdown = async (signal: string) => {
  app.log.info({ signal }, 'shutting down');
  await app.close();
  await prisma.$disconnect();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));

try {
  await app.listen({ port: config.port, host: config.host });
  app.log.info(
    { fhirBaseUrl: config.fhirBaseUrl, launcher: `${config.publicUrl}/` },
    'sandbox-ehr ready',
  );
} catch (error) {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`sandbox-ehr: port ${config.port} is in use. Set SANDBOX_PORT to another port.`);
  } else {
    console.error(error);
  }
  await prisma.$disconnect();
  process.exit(1);
}
