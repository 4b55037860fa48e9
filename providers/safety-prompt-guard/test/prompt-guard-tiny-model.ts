/**
 * Writes a tiny Prompt Guard look-alike that transformers.js loads as it loads Meta's model: a
 * deberta-v2 config.json with Prompt Guard's id2label, a Unigram tokenizer.json (Metaspace, as
 * mDeBERTa's SentencePiece tokenizer), tokenizer_config.json, and onnx/model.onnx, written with
 * @cria/testing's ONNX and tokenizer writers.
 *
 * The graph: input_ids → Gather (one embedding row per token) → mean over the tokens the
 * attention_mask keeps → MatMul → Add → logits [batch, labels]. Each vocabulary word's row votes
 * for one label (BENIGN words 1, attack words ATTACK_WEIGHT), the special tokens for none, and
 * the classifier multiplies the mean by SCALE: so `tinyModelProbabilities` can tell, without
 * running anything, the probabilities the model must give.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ONNX_FLOAT, ONNX_INT64, onnxInitializer, onnxInput, onnxModel, onnxNode, onnxOutput, TINY_SPECIAL_TOKENS, TINY_UNK_ID, tinyTokenizerJson } from '@cria/testing';

const SCALE = 12;
const ATTACK_WEIGHT = 3;

export interface TinyPromptGuardOptions {
  /** The labels in class order, as config.json's id2label names them. */
  labels: readonly string[];
  /** Each word of the vocabulary (lower case, no spaces) and the label it votes for. Other words are [UNK], which votes for `labels[0]`. */
  words: Readonly<Record<string, string>>;
}

export const PROMPT_GUARD_1_WORDS: Record<string, string> = {
  ...Object.fromEntries(['what', 'is', 'the', 'capital', 'of', 'france', 'please', 'summarise', 'this', 'article', 'weather', 'all', 'you', 'are', 'an', 'and', 'now'].map((word) => [word, 'BENIGN'])),
  ...Object.fromEntries(['ignore', 'previous', 'instructions', 'disregard', 'system', 'prompt'].map((word) => [word, 'INJECTION'])),
  ...Object.fromEntries(['dan', 'unrestricted', 'jailbreak', 'pretend', 'uncensored'].map((word) => [word, 'JAILBREAK'])),
};

export const PROMPT_GUARD_1: TinyPromptGuardOptions = { labels: ['BENIGN', 'INJECTION', 'JAILBREAK'], words: PROMPT_GUARD_1_WORDS };

export const PROMPT_GUARD_2: TinyPromptGuardOptions = {
  labels: ['BENIGN', 'MALICIOUS'],
  words: Object.fromEntries(Object.entries(PROMPT_GUARD_1_WORDS).map(([word, label]) => [word, label === 'BENIGN' ? 'BENIGN' : 'MALICIOUS'])),
};

/** The probabilities the tiny model gives `text` (one segment of words and spaces, no punctuation), computed without running it. */
export function tinyModelProbabilities(text: string, options: TinyPromptGuardOptions): number[] {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  const votes = options.labels.map(() => 0);
  let tokens = 2; // [CLS] and [SEP]
  let previousUnknown = false;
  for (const word of words) {
    const label = options.words[word];
    // Unigram fuses a run of characters it does not know, across spaces, into one [UNK].
    if (!label && previousUnknown) continue;
    previousUnknown = !label;
    tokens++;
    votes[label ? options.labels.indexOf(label) : 0]! += !label || label === options.labels[0] ? 1 : ATTACK_WEIGHT;
  }
  const logits = votes.map((vote) => (SCALE * vote) / tokens);
  const highest = Math.max(...logits);
  const exponentials = logits.map((logit) => Math.exp(logit - highest));
  const total = exponentials.reduce((sum, value) => sum + value, 0);
  return exponentials.map((value) => value / total);
}

/** Writes the model folder (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx). */
export function writeTinyPromptGuardModel(folder: string, options: TinyPromptGuardOptions): void {
  const words = Object.keys(options.words);
  const vocabulary: [string, number][] = [...TINY_SPECIAL_TOKENS.map((token): [string, number] => [token, 0]), ...words.map((word): [string, number] => [`▁${word}`, -5])];
  mkdirSync(join(folder, 'onnx'), { recursive: true });
  writeFileSync(
    join(folder, 'config.json'),
    JSON.stringify({
      model_type: 'deberta-v2',
      architectures: ['DebertaV2ForSequenceClassification'],
      id2label: Object.fromEntries(options.labels.map((label, index) => [String(index), label])),
      label2id: Object.fromEntries(options.labels.map((label, index) => [label, index])),
      hidden_size: options.labels.length,
      vocab_size: vocabulary.length,
      max_position_embeddings: 512,
    }),
  );
  writeFileSync(join(folder, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson(words)));
  writeFileSync(
    join(folder, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: 'DebertaV2Tokenizer', model_max_length: 512, cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', do_lower_case: false }),
  );
  const embeddings = vocabulary.map(([token], id) => {
    const row = options.labels.map(() => 0);
    if (id === TINY_UNK_ID) row[0] = 1;
    else if (id > TINY_UNK_ID) {
      const label = options.words[token.slice(1)]!;
      row[options.labels.indexOf(label)] = label === options.labels[0] ? 1 : ATTACK_WEIGHT;
    }
    return row;
  });
  writeFileSync(join(folder, 'onnx', 'model.onnx'), classifierOnnx(embeddings, options.labels.length));
}

/** The ModelProto of the classifier over `embeddings` (one row per token id, `width` wide). */
function classifierOnnx(embeddings: number[][], width: number): Uint8Array {
  const identity = Array.from({ length: width * width }, (_, index) => (Math.floor(index / width) === index % width ? SCALE : 0));
  return onnxModel('tiny_prompt_guard', [
    onnxNode('Gather', ['embeddings', 'input_ids'], ['token_vectors'], { axis: 0 }),
    onnxNode('Cast', ['attention_mask'], ['mask'], { to: ONNX_FLOAT }),
    onnxNode('Unsqueeze', ['mask', 'last_axis'], ['mask_column']),
    onnxNode('Mul', ['token_vectors', 'mask_column'], ['kept_vectors']),
    onnxNode('ReduceSum', ['kept_vectors', 'token_axis'], ['vector_sum'], { keepdims: 0 }),
    onnxNode('ReduceSum', ['mask', 'token_axis'], ['token_count'], { keepdims: 1 }),
    onnxNode('Div', ['vector_sum', 'token_count'], ['pooled']),
    onnxNode('MatMul', ['pooled', 'classifier_weight'], ['projected']),
    onnxNode('Add', ['projected', 'classifier_bias'], ['logits']),
    onnxInitializer('embeddings', [embeddings.length, width], embeddings.flat(), ONNX_FLOAT),
    onnxInitializer('classifier_weight', [width, width], identity, ONNX_FLOAT),
    onnxInitializer('classifier_bias', [width], new Array<number>(width).fill(0), ONNX_FLOAT),
    onnxInitializer('last_axis', [1], [2], ONNX_INT64),
    onnxInitializer('token_axis', [1], [1], ONNX_INT64),
    onnxInput('input_ids', ONNX_INT64, ['batch_size', 'sequence_length']),
    onnxInput('attention_mask', ONNX_INT64, ['batch_size', 'sequence_length']),
    onnxOutput('logits', ONNX_FLOAT, ['batch_size', width]),
  ]);
}
