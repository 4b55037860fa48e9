import { parseArgs } from 'node:util';
import { defineCliCommand } from '@cria/api';
import { modelsDirectory, pullModel } from './llama-cpp-cli.js';

/** `cria pull <uri> [--models-dir D] [--name ID]`: downloads a GGUF model, or an ONNX export (`onnx:<owner>/<repo>`), into the models directory. */
export default defineCliCommand({
  async run(argv, io) {
    const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, options: { 'models-dir': { type: 'string' }, name: { type: 'string' } } });
    if (!positionals[0]) {
      io.stderr.write('error: cria pull needs a model URI, e.g. cria pull hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M or cria pull onnx:nomic-ai/nomic-embed-text-v1.5\n');
      return 1;
    }
    return pullModel(positionals[0], { modelsDir: modelsDirectory(values['models-dir']), ...(values.name ? { name: values.name } : {}), stdout: io.stdout, stderr: io.stderr });
  },
});
