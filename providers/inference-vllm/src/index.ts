import { openAICompatProvider } from '@cria/provider-utils';
import { vllmPreset } from './vllm-preset.js';
import { configValidator } from '../generated/config-validator.js';

export { vllmPreset, type VllmSettings } from './vllm-preset.js';

/** `remote::vllm`: a vLLM server through the shared OpenAI-compatible adapter. */
export default openAICompatProvider(vllmPreset, { configValidator });
