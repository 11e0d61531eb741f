import baseConfig from '../../eslint.config.mjs';
import { runtimeAnyRules } from '../../eslint.runtime-any.mjs';

export default [...baseConfig, runtimeAnyRules];
