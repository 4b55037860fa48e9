import { isAbsolute, join, normalize, sep } from 'node:path';

/** Llama Stack's reranker for this provider (its `default_reranker_model`). */
export const DEFAULT_RERANKER_MODEL = 'Qwen/Qwen3-Reranker-0.6B';

/** The models the provider lists without being told (as Llama Stack's list_models). */
export const KNOWN_RERANK_MODELS: readonly string[] = [DEFAULT_RERANKER_MODEL];

/** Whether model `id` names a GGUF file (a `.gguf` path, an `hf:` URI or a URL), which llama.cpp ranks. */
export function isGgufModel(id: string): boolean {
  return /\.gguf$/i.test(id) || /^(?:hf|huggingface):/i.test(id) || /^https?:\/\//i.test(id);
}

/** The folder of model `id`: an absolute path as it is, else under the models directory (never above it). */
export function modelFolder(modelsDir: string, id: string): string | null {
  if (isAbsolute(id)) return normalize(id);
  const folder = normalize(join(modelsDir, id));
  return folder.startsWith(normalize(modelsDir) + sep) ? folder : null;
}

/** What to do to get reranker `id` into `folder`. */
export function howToAddModel(id: string, folder: string): string {
  const task = id === DEFAULT_RERANKER_MODEL ? 'text-generation' : 'text-classification';
  return (
    `export it to ONNX into that folder: \`optimum-cli export onnx --model ${id} --task ${task} ${folder}\`, then move model.onnx into ${join(folder, 'onnx')}/ ` +
    `(or \`cria pull onnx:<owner>/<repo> --name ${id}\` of a repository that already holds onnx/model.onnx with config.json, tokenizer.json and tokenizer_config.json); ` +
    `or set the provider's models_dir (CRIA_MODELS_DIR) to a folder that holds ${id}/`
  );
}
