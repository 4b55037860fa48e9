import { defineProvider } from '@cria/api';
import { configSchema, sampleConfig, type __ProviderName__Settings } from './__provider_name__-config.js';
import { __ProviderName__Inference } from './__provider_name__-inference.js';

export type { __ProviderName__Settings } from './__provider_name__-config.js';
export { __ProviderName__Inference, ECHO_MODEL_ID, messageText } from './__provider_name__-inference.js';

/**
 * The __provider_type__ inference provider. A distribution uses it by naming this package:
 *
 * ```yaml
 * providers:
 *   inference:
 *     - provider_id: __provider_name__
 *       provider_type: __provider_type__
 *       module: __package_name__
 *       config: { prefix: '' }
 * ```
 */
export default defineProvider<'inference', __ProviderName__Settings>({
  api: 'inference',
  providerType: '__provider_type__',
  description: 'Answers every chat completion with the last user message (a template to replace with your model or service).',
  configSchema,
  sampleConfig,
  create: (settings) => new __ProviderName__Inference(settings),
});
