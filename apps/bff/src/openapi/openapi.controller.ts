import { Controller, Get } from '@nestjs/common';

import { openApiDocument } from './openapi.document.js';

@Controller('api')
export class OpenApiController {
  @Get('openapi.json')
  document(): typeof openApiDocument {
    return openApiDocument;
  }
}
