import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import type { CdsDiscoveryDocument, CdsResponse } from '@bedside/cds-hooks';

import { HooksService } from './hooks.service.js';

function callContext(request: FastifyRequest) {
  return { requestId: request.id, authorization: request.headers.authorization };
}

/** CDS Hooks 2.0 endpoints: discovery, service calls, feedback. */
@Controller('cds-services')
export class HooksController {
  constructor(private readonly hooks: HooksService) {}

  @Get()
  discover(@Req() request: FastifyRequest): Promise<CdsDiscoveryDocument> {
    return this.hooks.discover(callContext(request));
  }

  @Post(':id')
  @HttpCode(200)
  call(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
  ): Promise<CdsResponse> {
    return this.hooks.call(id, body, callContext(request));
  }

  @Post(':id/feedback')
  @HttpCode(200)
  feedback(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
  ): Promise<Record<string, never>> {
    return this.hooks.feedback(id, body, callContext(request));
  }
}
