import { createCdsApp } from './bootstrap.js';
import { loadCdsConfig } from './config.js';

let config;
try {
  config = loadCdsConfig(process.env);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

const app = await createCdsApp(config);
try {
  await app.listen({ port: config.port, host: config.host });
  console.log(
    JSON.stringify({
      level: 'info',
      msg: 'cds ready',
      port: config.port,
      discovery: config.servicesUrl,
    }),
  );
} catch (error) {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`cds: port ${config.port} is in use. Set CDS_PORT to another port.`);
  } else {
    console.error(error);
  }
  await app.close();
  process.exit(1);
}
