import { createBffApp } from './bootstrap.js';
import { loadBffConfig } from './config.js';

let config;
try {
  config = loadBffConfig(process.env);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

const app = await createBffApp(config);
try {
  await app.listen({ port: config.port, host: config.host });
  console.log(
    JSON.stringify({
      level: 'info',
      msg: 'bff ready',
      port: config.port,
      app: config.appPublicUrl,
    }),
  );
} catch (error) {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`bff: port ${config.port} is in use. Set BFF_PORT to another port.`);
  } else {
    console.error(error);
  }
  await app.close();
  process.exit(1);
}
