import { parseArgs } from 'node:util';
import { defineCliCommand } from '@cria/api';
import { formatLocalModels, listLocalModels, modelsDirectory } from './llama-cpp-cli.js';

/** `cria models [--models-dir D]`: the models downloaded so far. */
export default defineCliCommand({
  async run(argv, io) {
    const { values } = parseArgs({ args: [...argv], options: { 'models-dir': { type: 'string' } } });
    const modelsDir = modelsDirectory(values['models-dir']);
    io.stdout.write(formatLocalModels(modelsDir, listLocalModels(modelsDir)));
    return 0;
  },
});
