/**
 * Writes a tiny sentence-transformers model that transformers.js loads as it loads a real BERT
 * export: config.json (bert), tokenizer.json/tokenizer_config.json, onnx/model.onnx, and
 * sentence-transformers' modules.json (Transformer → mean Pooling → Normalize),
 * 1_Pooling/config.json and sentence_bert_config.json.
 *
 * The graph: input_ids → Gather (one fixed vector per token) → times the attention mask →
 * last_hidden_state [batch, tokens, WIDTH]. So `tinyEmbedding` can tell, without running
 * anything, the embedding the provider must give a text.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ONNX_FLOAT, ONNX_INT64, onnxExternalInitializer, onnxInitializer, onnxInput, onnxModel, onnxNode, onnxOutput, TINY_SPECIAL_TOKENS, tinyTokenIds, tinyTokenizerJson } from '@cria/testing';

export const WIDTH = 4;
export const WORDS = ['the', 'cat', 'sat', 'on', 'mat', 'dog', 'ran', 'in', 'park', 'stock', 'market', 'fell', 'today'] as const;

/** The vector of token `id` ([PAD] is zeros). */
function tokenVector(id: number): number[] {
  if (id === 0) return new Array<number>(WIDTH).fill(0);
  return Array.from({ length: WIDTH }, (_, dim) => Math.sin(id * 1.7 + dim * 0.9) + (dim === id % WIDTH ? 1 : 0));
}

/** The normalized mean of the text's token vectors, [CLS] and [SEP] included, as the provider must compute it. */
export function tinyEmbedding(text: string): number[] {
  const ids = [1, ...tinyTokenIds(text, WORDS), 2];
  const sum = new Array<number>(WIDTH).fill(0);
  for (const id of ids) tokenVector(id).forEach((value, dim) => (sum[dim]! += value));
  const mean = sum.map((value) => value / ids.length);
  const norm = Math.hypot(...mean);
  return mean.map((value) => value / norm);
}

/** Writes the model folder; with `externalData`, the embeddings go to onnx/model.onnx_data as in exports over 2 GB. */
export function writeTinyEmbeddingModel(folder: string, { externalData = false } = {}): void {
  const vocabularySize = TINY_SPECIAL_TOKENS.length + WORDS.length;
  mkdirSync(join(folder, 'onnx'), { recursive: true });
  mkdirSync(join(folder, '1_Pooling'), { recursive: true });
  writeFileSync(join(folder, 'config.json'), JSON.stringify({ model_type: 'bert', architectures: ['BertModel'], hidden_size: WIDTH, vocab_size: vocabularySize, max_position_embeddings: 512 }));
  writeFileSync(join(folder, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson(WORDS)));
  writeFileSync(
    join(folder, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: 'BertTokenizer', model_max_length: 512, cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]' }),
  );
  writeFileSync(
    join(folder, 'modules.json'),
    JSON.stringify([
      { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
      { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
      { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
    ]),
  );
  writeFileSync(
    join(folder, '1_Pooling', 'config.json'),
    JSON.stringify({ word_embedding_dimension: WIDTH, pooling_mode_cls_token: false, pooling_mode_mean_tokens: true, pooling_mode_max_tokens: false, pooling_mode_mean_sqrt_len_tokens: false }),
  );
  writeFileSync(join(folder, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 128, do_lower_case: false }));
  const embeddings = Array.from({ length: vocabularySize }, (_, id) => tokenVector(id));
  let embeddingsInitializer = onnxInitializer('embeddings', [vocabularySize, WIDTH], embeddings.flat(), ONNX_FLOAT);
  if (externalData) {
    const external = onnxExternalInitializer('embeddings', [vocabularySize, WIDTH], embeddings.flat(), 'model.onnx_data', 0);
    embeddingsInitializer = external.initializer;
    writeFileSync(join(folder, 'onnx', 'model.onnx_data'), external.bytes);
  }
  writeFileSync(
    join(folder, 'onnx', 'model.onnx'),
    onnxModel('tiny_sentence_transformer', [
      onnxNode('Gather', ['embeddings', 'input_ids'], ['token_vectors'], { axis: 0 }),
      onnxNode('Cast', ['attention_mask'], ['mask'], { to: ONNX_FLOAT }),
      onnxNode('Unsqueeze', ['mask', 'last_axis'], ['mask_column']),
      onnxNode('Mul', ['token_vectors', 'mask_column'], ['last_hidden_state']),
      embeddingsInitializer,
      onnxInitializer('last_axis', [1], [2], ONNX_INT64),
      onnxInput('input_ids', ONNX_INT64, ['batch_size', 'sequence_length']),
      onnxInput('attention_mask', ONNX_INT64, ['batch_size', 'sequence_length']),
      onnxOutput('last_hidden_state', ONNX_FLOAT, ['batch_size', 'sequence_length', WIDTH]),
    ]),
  );
}
