import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { BffConfigValue } from '../config.decorator.js';
import type { BffConfig } from '../config.js';
import { LaunchError } from '../http/errors.js';
import { serializeSessionCookie } from '../session/session-cookie.js';
import { SessionService } from '../session/session.service.js';
import { LaunchService } from './launch.service.js';

/** `/launch`, `/login`, `/reauthorize` and `/callback`: the browser-facing OAuth steps. */
@Controller()
export class LaunchController {
  constructor(
    private readonly launches: LaunchService,
    private readonly sessions: SessionService,
    @BffConfigValue() private readonly config: BffConfig,
  ) {}

  /** EHR launch: the EHR opens this with `iss` and `launch`. */
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

  /** Standalone launch, started from the app's chooser of registered EHRs. */
  @Get('login')
  async login(
    @Query('iss') iss: string | undefined,
    @Query('return') returnTo: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const authorizeUrl = await this.launches.startStandalone({
      issuer: iss,
      returnTo,
      requestId: request.id,
    });
    await reply.header('Cache-Control', 'no-store').redirect(authorizeUrl, 302);
  }

  /**
   * Re-authorisation after a refresh became impossible: signs in again at the same EHR and comes
   * back to `return` (the screen the user was on) with a new session.
   */
  @Get('reauthorize')
  async reauthorize(
    @Query('session') handle: string | undefined,
    @Query('return') returnTo: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const active = await this.sessions.fromHandle(handle, request.headers.cookie);
    if (!active) {
      throw new LaunchError(
        400,
        'Nothing to re-authorise',
        'This launch is unknown or over. Start the app again from your EHR.',
      );
    }
    const authorizeUrl = await this.launches.startStandalone({
      issuer: active.registration.issuer,
      returnTo: returnTo ?? '/',
      requestId: request.id,
      action: 'reauthorize.start',
    });
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
