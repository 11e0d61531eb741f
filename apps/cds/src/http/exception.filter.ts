import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { CdsValidationError, formatIssues } from '@bedside/cds-hooks';
import { createOperationOutcome } from '@bedside/fhir-model';

import { CdsHttpError } from './errors.js';

/**
 * The one place errors become wire format: an OperationOutcome with the status of the error
 * (cds-hooks.md ERR-1, forward-compatible with CDS Hooks 3.0). 401 bodies say nothing about the
 * reason; unknown errors are a 500 that leaks no internals. CORS headers are added by the onSend
 * hook in bootstrap.ts, so browsers see these statuses too (CORS-1).
 */
@Catch()
export class CdsExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('CdsExceptionFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    reply.header('Cache-Control', 'no-store');

    if (error instanceof CdsHttpError) {
      if (!error.exposeDetail) {
        this.logger.warn(`${request.method} ${request.url} → ${error.status}: ${error.message}`);
        if (error.status === 401) reply.header('WWW-Authenticate', 'Bearer');
      }
      const message = error.exposeDetail ? error.message : 'Unauthorized.';
      void reply
        .code(error.status)
        .type('application/json')
        .send(createOperationOutcome(error.issueType, message));
      return;
    }
    if (error instanceof CdsValidationError) {
      void reply
        .code(400)
        .type('application/json')
        .send(createOperationOutcome('invalid', formatIssues(error.issues)));
      return;
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      void reply
        .code(status)
        .type('application/json')
        .send(createOperationOutcome(status === 404 ? 'not-found' : 'processing', error.message));
      return;
    }
    this.logger.error(
      `Unhandled error on ${request.method} ${request.url} (request ${request.id}): ${
        error instanceof Error ? (error.stack ?? error.message) : String(error)
      }`,
    );
    void reply
      .code(500)
      .type('application/json')
      .send(createOperationOutcome('exception', `Internal error (request ${request.id}).`));
  }
}
