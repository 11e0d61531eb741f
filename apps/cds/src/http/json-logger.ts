import type { LoggerService, LogLevel } from '@nestjs/common';

const order: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Nest's own messages as JSON lines, matching Fastify's request logs. */
export class JsonLogger implements LoggerService {
  private readonly threshold: number;

  constructor(level: string) {
    const mapped: LogLevel =
      level === 'info' ? 'log' : level === 'trace' ? 'verbose' : (level as LogLevel);
    this.threshold = level === 'silent' ? -1 : Math.max(0, order.indexOf(mapped));
  }

  private write(level: LogLevel, message: unknown, context?: unknown): void {
    if (order.indexOf(level) > this.threshold) return;
    const line = JSON.stringify({
      level,
      time: new Date().toISOString(),
      context: typeof context === 'string' ? context : undefined,
      msg: message instanceof Error ? message.message : message,
    });
    (level === 'error' || level === 'fatal' ? process.stderr : process.stdout).write(`${line}\n`);
  }

  log(message: unknown, context?: unknown): void {
    this.write('log', message, context);
  }
  error(message: unknown, _trace?: unknown, context?: unknown): void {
    this.write('error', message, context);
  }
  warn(message: unknown, context?: unknown): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: unknown): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: unknown): void {
    this.write('verbose', message, context);
  }
  fatal(message: unknown, context?: unknown): void {
    this.write('fatal', message, context);
  }
}
