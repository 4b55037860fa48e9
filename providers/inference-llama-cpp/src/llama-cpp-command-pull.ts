import { parseArgs } from 'node:util';
import { defineCliCommand } from '@cria/api';
import { modelsDirectory, pullModel } from './llama-cpp-cli.js';

/** `cria pull <uri> [--models-dir D]`: downloads a GGUF model into the models directory. */
export default defineCliCommand({
  async run(argv, io) {
    const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, options: { 'models-dir': { type: 'string' } } });
    if (!positionals[0]) {
      io.stderr.write('error: cria pull needs a model URI, e.g. cria pull hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M\n');
      return 1;
    }
    return pullModel(positionals[0], { modelsDir: modelsDirectory(values['models-dir']), stdout: io.stdout, stderr: io.stderr });
  },
});
