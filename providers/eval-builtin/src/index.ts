import { defineProvider } from '@cria/api';
import { BuiltinEval } from './eval-builtin.js';
import { type BuiltinEvalConfig, configSchema, sampleConfig } from './eval-config.js';
import { configValidator } from '../generated/config-validator.js';

export type { BuiltinEvalConfig } from './eval-config.js';
export { BuiltinEval } from './eval-builtin.js';
export { generationInput, type GenerationInput } from './eval-generation.js';

const description =
  'Evaluates benchmarks (Llama Stack\'s meta-reference eval): each row answered by a model (chat_completion_input, completion_input or input_query) or an agent config, scored through the scoring API; jobs run in the background, report progress, can be cancelled, and resume after a restart.';

/** The provider under a name: `inline::builtin` is Llama Stack 0.7's, `inline::meta-reference` the older one. */
function evalProvider(providerType: 'inline::builtin' | 'inline::meta-reference') {
  return defineProvider<'eval', BuiltinEvalConfig, 'inference' | 'datasetio' | 'scoring', 'agents'>({
    api: 'eval',
    providerType,
    description,
    configSchema,
    configValidator,
    sampleConfig,
    dependencies: ['inference', 'datasetio', 'scoring'],
    optionalDependencies: ['agents'],
    create: (config, context) => BuiltinEval.create(config, context),
  });
}

export default [evalProvider('inline::builtin'), evalProvider('inline::meta-reference')];
