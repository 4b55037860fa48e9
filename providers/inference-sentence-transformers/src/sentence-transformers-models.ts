import { isAbsolute, join, normalize, sep } from 'node:path';

/** A model the provider lists without being told: Llama Stack's (nomic) and the classic small one. */
export interface KnownEmbeddingModel {
  /** The model id, also its folder under the models directory. */
  id: string;
  dimension: number;
  /** The Hugging Face repository with the ONNX export. */
  repository: string;
}

export const KNOWN_EMBEDDING_MODELS: readonly KnownEmbeddingModel[] = [
  { id: 'nomic-ai/nomic-embed-text-v1.5', dimension: 768, repository: 'nomic-ai/nomic-embed-text-v1.5' },
  { id: 'all-MiniLM-L6-v2', dimension: 384, repository: 'sentence-transformers/all-MiniLM-L6-v2' },
];

/** The files to fetch from a sentence-transformers repository (nomic's and all-MiniLM-L6-v2's hold them all). */
const REPOSITORY_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'modules.json', 'sentence_bert_config.json', '1_Pooling/config.json', 'onnx/model.onnx'];

/** The folder of model `id`: an absolute path as it is, else under the models directory (never above it). */
export function modelFolder(modelsDir: string, id: string): string | null {
  if (isAbsolute(id)) return normalize(id);
  const folder = normalize(join(modelsDir, id));
  return folder.startsWith(normalize(modelsDir) + sep) ? folder : null;
}

/** What to do to get model `id` into `folder`. */
export function howToAddModel(id: string, folder: string): string {
  const repository = KNOWN_EMBEDDING_MODELS.find((model) => model.id === id)?.repository ?? id;
  const name = repository === id ? '' : ` --name ${id}`;
  return (
    `run \`cria pull onnx:${repository}${name}\` where the network reaches Hugging Face, ` +
    `or download its ONNX export: \`hf download ${repository} ${REPOSITORY_FILES.join(' ')} --local-dir ${folder}\` ` +
    `(or \`optimum-cli export onnx --model ${repository} --task feature-extraction ${folder}\` and move model.onnx into ${join(folder, 'onnx')}/); ` +
    `or set the provider's models_dir (CRIA_MODELS_DIR) to a folder that holds ${id}/`
  );
}
