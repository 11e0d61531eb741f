import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { BffConfigValue } from '../config.decorator.js';
import type { BffConfig } from '../config.js';
import { serializeSessionCookie } from '../session/session-cookie.js';
import { LaunchService } from './launch.service.js';

/** `/launch` and `/callback`: the two URLs registered with every EHR. */
@Controller()
export class LaunchController {
  constructor(
    private readonly launches: LaunchService,
    @BffConfigValue() private readonly config: BffConfig,
  ) {}

  @Get('launch')
  async launch(
    @Query('iss') iss: string | undefined,
    @Query('launch') launch: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const authorizeUrl = await this.launches.start({ iss, launch, requestId: request.id });
    await reply.header('Cache-Control', 'no-store').redirect(authorizeUrl, 302);
  }

  @Get('callback')
  async callback(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const url = new URL(request.url, this.config.appPublicUrl);
    const completed = await this.launches.complete(url, request.id);
    await reply
      .header('Cache-Control', 'no-store')
      .header(
        'Set-Cookie',
        serializeSessionCookie(completed.handle, completed.secret, this.config.sessionTtlSeconds),
      )
      .redirect(completed.appUrl, 302);
  }
}
