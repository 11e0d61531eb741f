import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { createOperationOutcome, httpStatusByIssueType } from '@bedside/fhir-model';

import { ApiError, FhirProxyError, LaunchError } from './errors.js';
import { renderErrorPage } from './pages.js';

/**
 * The one place domain errors become wire format: launch errors as pages, API errors as JSON,
 * FHIR proxy errors as OperationOutcomes. Anything unknown is a 500 that leaks no internals.
 */
@Catch()
export class DomainExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('DomainExceptionFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    reply.header('Cache-Control', 'no-store');

    if (error instanceof LaunchError) {
      void reply
        .code(error.status)
        .type('text/html; charset=utf-8')
        .send(renderErrorPage(error.title, error.detail));
      return;
    }
    if (error instanceof ApiError) {
      void reply
        .code(error.status)
        .type('application/json')
        .send({ error: error.code, message: error.message, ...error.extra });
      return;
    }
    if (error instanceof FhirProxyError) {
      void reply
        .code(error.status ?? httpStatusByIssueType[error.issueType])
        .type('application/fhir+json')
        .send(createOperationOutcome(error.issueType, error.message));
      return;
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      void reply
        .code(status)
        .type('application/json')
        .send({ error: 'http_error', message: error.message });
      return;
    }
    this.logger.error(
      `Unhandled error on ${request.method} ${request.url} (request ${request.id}): ${
        error instanceof Error ? (error.stack ?? error.message) : String(error)
      }`,
    );
    if (request.url.startsWith('/api/fhir/')) {
      void reply
        .code(500)
        .type('application/fhir+json')
        .send(createOperationOutcome('exception', `Internal error (request ${request.id}).`));
      return;
    }
    void reply
      .code(500)
      .type('application/json')
      .send({ error: 'internal_error', message: `Internal error (request ${request.id}).` });
  }
}
