import { createServer } from 'node:net';

/** Resolves true when nothing listens on `port` (checked on the loopback interfaces). */
export async function isPortFree(port: number): Promise<boolean> {
  for (const host of ['127.0.0.1', '::1']) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', (error: NodeJS.ErrnoException) =>
        resolve(error.code === 'EADDRNOTAVAIL' || error.code === 'EAFNOSUPPORT'),
      );
      server.listen(port, host, () => server.close(() => resolve(true)));
    });
    if (!free) return false;
  }
  return true;
}

/** Any currently free port (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface PortSetting {
  port: number;
  variable: string;
  purpose: string;
}

/**
 * @returns one message per port already in use, naming the variable that changes it.
 */
export async function findBusyPorts(settings: readonly PortSetting[]): Promise<string[]> {
  const busy: string[] = [];
  for (const setting of settings) {
    if (!(await isPortFree(setting.port))) {
      busy.push(
        `Port ${setting.port} (${setting.purpose}) is already in use. Stop what uses it, or set ${setting.variable} to another port, e.g. ${setting.variable}=${setting.port + 10} npm start`,
      );
    }
  }
  return busy;
}
