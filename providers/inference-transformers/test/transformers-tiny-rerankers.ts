/**
 * Writes tiny rerankers that transformers.js loads as it loads real ONNX exports, with
 * @cria/testing's ONNX and tokenizer writers:
 *
 * - a cross-encoder (bert, BertForSequenceClassification, one label): each word has a one-hot
 *   vector; the query's tokens (type 0) and the document's (type 1) are averaged apart and the
 *   logit is SCALE × their dot product + BIAS. So `tinyCrossEncoderScore` can tell the score
 *   without running anything: documents sharing words with the query rank first.
 * - a Qwen3-Reranker look-alike (qwen3, Qwen3ForCausalLM): logits [batch, 1, vocabulary] from the
 *   mean of the kept tokens' vectors, where RELEVANT_WORDS push towards "yes" and the others
 *   towards "no". The score then grows with the share of relevant words in the document. Its
 *   token vectors are in onnx/model.onnx_data, as the real export (over 2 GB) keeps its weights.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ONNX_FLOAT, ONNX_INT64, onnxExternalInitializer, onnxInitializer, onnxInput, onnxModel, onnxNode, onnxOutput, TINY_FIRST_WORD_ID, TINY_SPECIAL_TOKENS, tinyTokenIds, tinyTokenizerJson } from '@cria/testing';

export const WORDS = ['what', 'is', 'the', 'capital', 'of', 'france', 'paris', 'city', 'cats', 'sleep', 'a', 'lot', 'stock', 'market', 'fell', 'yes', 'no'] as const;
const SCALE = 10;
const BIAS = -1;
const VOCABULARY_SIZE = TINY_SPECIAL_TOKENS.length + WORDS.length;

/** The score the tiny cross-encoder gives a query and document of known words. */
export function tinyCrossEncoderScore(query: string, document: string): number {
  const queryIds = tinyTokenIds(query, WORDS);
  const documentIds = tinyTokenIds(document, WORDS);
  // [CLS] query [SEP] are type 0, document [SEP] type 1; special tokens have zero vectors.
  const queryCount = queryIds.length + 2;
  const documentCount = documentIds.length + 1;
  let dot = 0;
  for (const id of new Set(queryIds)) dot += (queryIds.filter((other) => other === id).length / queryCount) * (documentIds.filter((other) => other === id).length / documentCount);
  return 1 / (1 + Math.exp(-(SCALE * dot + BIAS)));
}

function writeTokenizer(folder: string, tokenizerClass: string): void {
  mkdirSync(join(folder, 'onnx'), { recursive: true });
  writeFileSync(join(folder, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson(WORDS)));
  writeFileSync(
    join(folder, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: tokenizerClass, model_max_length: 512, cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]' }),
  );
}

const identityRows = (width: number) => Array.from({ length: VOCABULARY_SIZE }, (_, id) => Array.from({ length: width }, (_, dim) => (id >= TINY_FIRST_WORD_ID && id - TINY_FIRST_WORD_ID === dim ? 1 : 0)));

/** A masked mean of the token vectors over `mask` ([batch, tokens] float): nodes writing `<name>` [batch, width]. */
function maskedMean(name: string, mask: string): Uint8Array[] {
  return [
    onnxNode('Unsqueeze', [mask, 'last_axis'], [`${name}_column`]),
    onnxNode('Mul', ['token_vectors', `${name}_column`], [`${name}_kept`]),
    onnxNode('ReduceSum', [`${name}_kept`, 'token_axis'], [`${name}_sum`], { keepdims: 0 }),
    onnxNode('ReduceSum', [mask, 'token_axis'], [`${name}_count`], { keepdims: 1 }),
    onnxNode('Div', [`${name}_sum`, `${name}_count`], [name]),
  ];
}

export function writeTinyCrossEncoder(folder: string): void {
  writeTokenizer(folder, 'BertTokenizer');
  writeFileSync(
    join(folder, 'config.json'),
    JSON.stringify({ model_type: 'bert', architectures: ['BertForSequenceClassification'], id2label: { 0: 'LABEL_0' }, label2id: { LABEL_0: 0 }, hidden_size: WORDS.length, vocab_size: VOCABULARY_SIZE, max_position_embeddings: 512 }),
  );
  const width = WORDS.length;
  writeFileSync(
    join(folder, 'onnx', 'model.onnx'),
    onnxModel('tiny_cross_encoder', [
      onnxNode('Gather', ['embeddings', 'input_ids'], ['token_vectors'], { axis: 0 }),
      onnxNode('Cast', ['attention_mask'], ['mask'], { to: ONNX_FLOAT }),
      onnxNode('Cast', ['token_type_ids'], ['types'], { to: ONNX_FLOAT }),
      onnxNode('Mul', ['mask', 'types'], ['document_mask']),
      onnxNode('Sub', ['mask', 'document_mask'], ['query_mask']),
      ...maskedMean('query_mean', 'query_mask'),
      ...maskedMean('document_mean', 'document_mask'),
      onnxNode('Mul', ['query_mean', 'document_mean'], ['products']),
      onnxNode('ReduceSum', ['products', 'token_axis'], ['dot'], { keepdims: 1 }),
      onnxNode('Mul', ['dot', 'scale'], ['scaled']),
      onnxNode('Add', ['scaled', 'bias'], ['logits']),
      onnxInitializer('embeddings', [VOCABULARY_SIZE, width], identityRows(width).flat(), ONNX_FLOAT),
      onnxInitializer('scale', [1], [SCALE], ONNX_FLOAT),
      onnxInitializer('bias', [1], [BIAS], ONNX_FLOAT),
      onnxInitializer('last_axis', [1], [2], ONNX_INT64),
      onnxInitializer('token_axis', [1], [1], ONNX_INT64),
      onnxInput('input_ids', ONNX_INT64, ['batch_size', 'sequence_length']),
      onnxInput('attention_mask', ONNX_INT64, ['batch_size', 'sequence_length']),
      onnxInput('token_type_ids', ONNX_INT64, ['batch_size', 'sequence_length']),
      onnxOutput('logits', ONNX_FLOAT, ['batch_size', 1]),
    ]),
  );
}

/** Words that push the causal reranker towards "yes". */
export const RELEVANT_WORDS = ['paris', 'capital', 'france', 'city'] as const;

export function writeTinyCausalReranker(folder: string): void {
  writeTokenizer(folder, 'PreTrainedTokenizer');
  const hidden = 2;
  writeFileSync(
    join(folder, 'config.json'),
    JSON.stringify({
      model_type: 'qwen3',
      architectures: ['Qwen3ForCausalLM'],
      hidden_size: hidden,
      num_attention_heads: 1,
      num_key_value_heads: 1,
      head_dim: hidden,
      num_hidden_layers: 1,
      vocab_size: VOCABULARY_SIZE,
      max_position_embeddings: 512,
    }),
  );
  // Dimension 0 votes "yes", dimension 1 "no"; the output matrix sends them to those tokens' logits.
  const vectors = Array.from({ length: VOCABULARY_SIZE }, (_, id) => {
    if (id < TINY_FIRST_WORD_ID) return [0, 0];
    return (RELEVANT_WORDS as readonly string[]).includes(WORDS[id - TINY_FIRST_WORD_ID]!) ? [SCALE, 0] : [0, 1];
  });
  const output = new Array<number>(hidden * VOCABULARY_SIZE).fill(0);
  output[TINY_FIRST_WORD_ID + WORDS.indexOf('yes')] = 1;
  output[VOCABULARY_SIZE + TINY_FIRST_WORD_ID + WORDS.indexOf('no')] = 1;
  const external = onnxExternalInitializer('embeddings', [VOCABULARY_SIZE, hidden], vectors.flat(), 'model.onnx_data', 0);
  writeFileSync(join(folder, 'onnx', 'model.onnx_data'), external.bytes);
  writeFileSync(
    join(folder, 'onnx', 'model.onnx'),
    onnxModel('tiny_causal_reranker', [
      onnxNode('Gather', ['embeddings', 'input_ids'], ['token_vectors'], { axis: 0 }),
      onnxNode('Cast', ['attention_mask'], ['mask'], { to: ONNX_FLOAT }),
      ...maskedMean('pooled', 'mask'),
      onnxNode('Unsqueeze', ['pooled', 'token_axis'], ['last_state']),
      onnxNode('MatMul', ['last_state', 'output_weight'], ['logits']),
      external.initializer,
      onnxInitializer('output_weight', [hidden, VOCABULARY_SIZE], output, ONNX_FLOAT),
      onnxInitializer('last_axis', [1], [2], ONNX_INT64),
      onnxInitializer('token_axis', [1], [1], ONNX_INT64),
      onnxInput('input_ids', ONNX_INT64, ['batch_size', 'sequence_length']),
      onnxInput('attention_mask', ONNX_INT64, ['batch_size', 'sequence_length']),
      onnxOutput('logits', ONNX_FLOAT, ['batch_size', 1, VOCABULARY_SIZE]),
    ]),
  );
}
