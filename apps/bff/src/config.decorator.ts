import { Inject } from '@nestjs/common';

import { BFF_CONFIG } from './config.js';

/** Injects the validated, frozen BffConfig. */
export const BffConfigValue = (): PropertyDecorator & ParameterDecorator => Inject(BFF_CONFIG);
